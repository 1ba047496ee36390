"use client";
// Rebuild: reinstall from the plan's image (or another of its lab type). Said before: the disk is
// wiped, its snapshots go first, the VM keeps its hostname, SSH address and VMID, gets the
// account's SSH keys as they are now and a new password. Confirmed by typing the hostname.
import { buttonStyles } from "@/components/ui/button-styles";
import { ActionForm, FieldError, type LabAction } from "@/components/vms/lab/action-form";
import type { LabView } from "@/lib/vm-operations/lab-view";

type Props = { lab: LabView; requestKey: string; keyCount: number; rebuild: LabAction };

export function RebuildPanel({ lab, requestKey, keyCount, rebuild }: Props) {
  const busy = lab.operation?.active ?? false;
  const usable = lab.vm.status === "running" || lab.vm.status === "stopped" || (lab.vm.status === "failed" && lab.operation?.kind === "rebuild");
  return (
    <section aria-labelledby="rebuild-heading" className="rounded-card border border-danger-600/30 bg-surface p-card">
      <h2 id="rebuild-heading" className="text-lg font-semibold">
        Rebuild {lab.vm.name}
      </h2>
      <ul className="mt-2 list-disc space-y-1 pl-5 text-sm" data-testid="rebuild-warning">
        <li>Everything on the VM&apos;s disk is erased and a fresh system is installed.</li>
        <li>
          Its <strong>{lab.snapshots.length}</strong> snapshot{lab.snapshots.length === 1 ? " is" : "s are"} deleted first. Backups are kept.
        </li>
        <li>It keeps its hostname, SSH address and VMID.</li>
        <li>
          It gets the {keyCount} SSH key{keyCount === 1 ? "" : "s"} on your account now, and a new password.
        </li>
      </ul>
      <ActionForm action={rebuild} hidden={{ vmId: lab.vm.id, requestKey }} className="mt-4 space-y-3" testId="rebuild-form">
        {(state, pending) => (
          <>
            {lab.images.length > 1 ? (
              <div className="space-y-1.5">
                <label htmlFor="templateId" className="block text-sm font-medium">
                  Image
                </label>
                <select id="templateId" name="templateId" defaultValue="" className="rounded-lg border border-line-strong bg-surface px-3 py-2">
                  {lab.images.map((image) => (
                    <option key={image.id} value={image.isDefault ? "" : image.id}>
                      {image.name}
                      {image.isDefault ? " (your plan's)" : ""}
                    </option>
                  ))}
                </select>
                <FieldError state={state} name="templateId" />
              </div>
            ) : null}
            <div className="space-y-1.5">
              <label htmlFor="confirmHostname" className="block text-sm font-medium">
                Type <code>{lab.vm.name}</code> to confirm
              </label>
              <input
                id="confirmHostname"
                name="confirmHostname"
                autoComplete="off"
                required
                aria-invalid={state.fieldErrors?.confirmHostname ? true : undefined}
                aria-describedby={state.fieldErrors?.confirmHostname ? "confirmHostname-error" : undefined}
                className="block w-full rounded-lg border border-line-strong bg-surface px-3 py-2 font-mono"
              />
              <FieldError state={state} name="confirmHostname" />
            </div>
            <button type="submit" className={buttonStyles.danger} disabled={pending || busy || !usable}>
              {pending ? "Asking…" : "Rebuild"}
            </button>
          </>
        )}
      </ActionForm>
    </section>
  );
}
