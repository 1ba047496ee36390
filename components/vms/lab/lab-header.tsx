// The head of the lab pages: where you are, the other lab pages, billing's block (I6) and the
// latest operation's progress.
import Link from "next/link";
import { OperationStatus } from "@/components/vms/lab/operation-status";
import type { LabView } from "@/lib/vm-operations/lab-view";

const PAGES = [
  ["snapshots", "Snapshots"],
  ["backups", "Backups"],
  ["rebuild", "Rebuild"],
] as const;

export function LabHeader({ lab, page }: { lab: LabView; page: (typeof PAGES)[number][0] }) {
  const title = PAGES.find(([p]) => p === page)![1];
  return (
    <>
      <nav aria-label="Breadcrumb" className="text-sm">
        <Link href={`/vms/${lab.vm.id}`} className="text-brand-700 hover:underline">
          {lab.vm.name}
        </Link>{" "}
        <span aria-hidden>/</span> {title}
      </nav>
      <header className="space-y-2">
        <h1 className="text-2xl font-bold tracking-tight">
          {title} · {lab.vm.name}
        </h1>
        <nav aria-label="Lab" className="flex gap-4 text-sm">
          {PAGES.map(([p, label]) => (
            <Link
              key={p}
              href={`/vms/${lab.vm.id}/${p}`}
              aria-current={p === page ? "page" : undefined}
              className={p === page ? "font-semibold" : "text-brand-700 hover:underline"}
            >
              {label}
            </Link>
          ))}
        </nav>
      </header>
      {!lab.gate.allowed && page !== "rebuild" ? (
        <p role="alert" data-testid="lab-blocked" className="rounded-card border border-warning-600/30 bg-warning-50 p-card text-sm text-warning-700">
          {lab.gate.message}
        </p>
      ) : null}
      <OperationStatus operation={lab.operation} />
    </>
  );
}
