import type { VmStatus } from "@/lib/generated/prisma/client";

const tone: Record<VmStatus, string> = {
  running: "bg-success-50 text-success-700 border-success-600/30",
  stopped: "bg-surface-sunken text-ink-muted border-line-strong",
  provisioning: "bg-warning-50 text-warning-700 border-warning-600/30",
  failed: "bg-danger-50 text-danger-700 border-danger-600/30",
  destroyed: "bg-surface-sunken text-ink-subtle border-line",
};

export function VmStatusBadge({ status, label }: { status: VmStatus; label: string }) {
  return (
    <span
      data-testid="vm-status"
      data-status={status}
      className={`inline-flex items-center rounded-full border px-2.5 py-0.5 text-xs font-medium ${tone[status]}`}
    >
      {label}
    </span>
  );
}
