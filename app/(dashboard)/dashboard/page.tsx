import type { Metadata } from "next";
import Link from "next/link";
import { requireUser } from "@/lib/auth/session";
import { buttonStyles } from "@/components/ui/button-styles";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const user = await requireUser("/dashboard");
  return (
    <div className="mx-auto max-w-content px-gutter py-10">
      <h1 className="text-2xl font-bold tracking-tight">Hello, {user.name}</h1>
      <p className="mt-1 text-sm text-ink-muted">Signed in as {user.email}</p>
      <section aria-labelledby="vms" className="mt-8">
        <h2 id="vms" className="text-lg font-semibold">Your VMs</h2>
        <div className="mt-3 rounded-card border border-dashed border-line-strong bg-surface p-card text-center">
          <p className="font-medium">You have no lab VMs yet.</p>
          <p className="mt-1 text-sm text-ink-muted">Pick a plan; your machine is built as soon as the payment clears.</p>
          <Link href="/pricing" className={`${buttonStyles.primary} mt-4`}>
            Browse plans
          </Link>
        </div>
      </section>
    </div>
  );
}
