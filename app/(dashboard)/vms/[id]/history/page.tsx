import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
import { pageParam, parseSearchParams, type RawSearchParams } from "@/lib/http/search-params";
import { loadVmHistory } from "@/lib/vms/vm-history";
import { loadVmPage } from "@/lib/vms/vm-view";
import { HistoryList } from "@/components/vms/vm-history";
import { Pagination } from "@/components/ui/pagination";
import { isRouteId } from "@/lib/http/route-id";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<RawSearchParams> };

const searchSchema = z.object({ page: pageParam });

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { id } = await params;
  const user = await requireUser(`/vms/${encodeURIComponent(id)}/history`);
  const data = isRouteId(id) ? await loadVmPage(user.id, id) : null;
  return { title: data ? `History · ${data.vm.name}` : "History" };
}

export default async function VmHistoryPage({ params, searchParams }: Props) {
  const { id } = await params;
  const user = await requireUser(`/vms/${encodeURIComponent(id)}/history`);
  const query = parseSearchParams(searchSchema, await searchParams);
  // Unknown id and someone else's VM are the same 404 (I5).
  const [data, history] = isRouteId(id) ? await Promise.all([loadVmPage(user.id, id), loadVmHistory(user.id, id, query.page)]) : [null, null];
  if (!data || !history) notFound();
  return (
    <div className="mx-auto max-w-content space-y-6 px-gutter py-10">
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href="/dashboard" className="text-brand-700 hover:underline">
          Dashboard
        </Link>{" "}
        <span aria-hidden>/</span>{" "}
        <Link href={`/vms/${data.vm.id}`} className="text-brand-700 hover:underline">
          {data.vm.name}
        </Link>{" "}
        <span aria-hidden>/</span> History
      </nav>
      <h1 className="text-2xl font-bold tracking-tight">History of {data.vm.name}</h1>
      <section aria-label="Events, newest first" className="rounded-card border border-line bg-surface p-card">
        <HistoryList entries={history.items} />
        <Pagination label="History pages" param="page" page={history.page} pageCount={history.pageCount} query={query} />
      </section>
    </div>
  );
}
