// The operator's view of a VM's holds (issue 25): what holds it and why, lift, or suspend for abuse.
import { ConfirmActionButton } from "@/components/admin/confirm-action-button";
import { isoSecond } from "@/lib/format/date";
import { VmHoldForm } from "@/components/admin/vm-hold-form";
import type { FormState } from "@/lib/actions/form-state";
import { db } from "@/lib/db";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

export async function VmHoldsPanel({ vmId, suspendAction, liftAction }: { vmId: string; suspendAction: Action; liftAction: Action }) {
  const holds = await db.vmHold.findMany({ where: { vmId }, orderBy: { createdAt: "desc" }, take: 20 });
  const standingAbuse = holds.some((h) => h.kind === "abuse" && !h.liftedAt);
  return (
    <section aria-labelledby="holds-heading" className="space-y-3">
      <h2 id="holds-heading" className="text-lg font-semibold">
        Suspensions
      </h2>
      <ul className="space-y-2 text-sm">
        {holds.map((h) => (
          <li key={h.id} data-testid="vm-hold" className="rounded-card border border-line bg-surface p-3">
            <p>
              <span className="font-medium">{h.kind.replace("_", " ")}</span> · {h.reason.replace("_", " ")} · placed {isoSecond(h.createdAt)} · stopped{" "}
              {isoSecond(h.stoppedAt)} · {h.liftedAt ? `lifted ${isoSecond(h.liftedAt)}` : "standing"}
              {h.pauseBilling ? " · billing paused" : ""}
            </p>
            {h.customerNote ? <p className="text-ink-muted">Customer note: {h.customerNote}</p> : null}
            {!h.liftedAt && h.kind === "abuse" ? (
              <ConfirmActionButton
                label="Lift suspension"
                pendingLabel="Lifting…"
                confirmText="Lift this suspension? The VM stays stopped; its owner can start it again (billing state is not changed)."
                fields={{ holdId: h.id }}
                action={liftAction}
                testId="lift-hold"
              />
            ) : null}
          </li>
        ))}
        {holds.length === 0 ? <li className="text-ink-muted">None.</li> : null}
      </ul>
      {standingAbuse ? null : <VmHoldForm vmId={vmId} action={suspendAction} />}
    </section>
  );
}
