import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { ConsoleScreen } from "@/components/vms/console-screen";
import { requireUser } from "@/lib/auth/session";
import { loadVmPage } from "@/lib/vms/vm-view";
import { requestPowerFormAction } from "../actions";
import { openConsoleFormAction } from "./actions";
import { isRouteId } from "@/lib/http/route-id";

export const metadata: Metadata = { title: "Console" };

export default async function ConsolePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requireUser(`/vms/${encodeURIComponent(id)}/console`);
  // Another user's VM and an unknown id are the same 404 (I5). The token is asked for by the
  // browser once this page is up, so its 30 s start when the socket is about to open.
  const data = isRouteId(id) ? await loadVmPage(user.id, id) : null;
  if (!data || (data.vm.status !== "running" && data.vm.status !== "stopped")) notFound();
  const { vm } = data;
  return (
    <div className="mx-auto max-w-6xl space-y-4 px-gutter py-6">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href="/dashboard" className="text-brand-700 hover:underline">
          Dashboard
        </Link>{" "}
        <span aria-hidden>/</span>{" "}
        <Link href={`/vms/${vm.id}`} className="text-brand-700 hover:underline">
          {vm.name}
        </Link>{" "}
        <span aria-hidden>/</span> Console
      </nav>
      <h1 className="text-2xl font-bold tracking-tight">Console · {vm.name}</h1>
      <ConsoleScreen vmId={vm.id} vmName={vm.name} openAction={openConsoleFormAction} startAction={requestPowerFormAction} />
    </div>
  );
}
