"use client";
// A node's lab settings (CPU type, backup storage) and its nested-virtualization finding.
import { useActionState } from "react";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Props = {
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  node: { id: string; cpuType: string; backupStorage: string; nestedVirtMissingAt: string | null };
};

export function NodeLabForm({ action, node }: Props) {
  const [state, formAction] = useActionState(action, idleState);
  const values = { cpuType: node.cpuType, backupStorage: node.backupStorage, ...state.values };
  return (
    <form action={formAction} className="space-y-3" data-testid={`node-lab-${node.id}`}>
      {node.nestedVirtMissingAt ? (
        <p role="alert" className="rounded-lg border border-danger-600/30 bg-danger-50 px-3 py-2 text-sm text-danger-700" data-testid="nested-virt-flag">
          Since {node.nestedVirtMissingAt.slice(0, 16).replace("T", " ")} UTC a guest here lacked nested virtualization (no vmx/svm): its order failed. Set the
          CPU type to host and enable nested=1 in the host&apos;s kvm_intel/kvm_amd module, then clear this.
        </p>
      ) : null}
      <FormMessage state={state} />
      <input type="hidden" name="nodeId" value={node.id} />
      <div className="grid gap-3 sm:grid-cols-2">
        <Field name="cpuType" id={`cpuType-${node.id}`} label="Guest CPU type" state={{ ...state, values }} hint="host passes vmx/svm through (nested labs)" />
        <Field name="backupStorage" id={`backupStorage-${node.id}`} label="Backup storage" state={{ ...state, values }} />
      </div>
      {node.nestedVirtMissingAt ? (
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="clearNestedFlag" /> Fixed: clear the nested-virtualization finding
        </label>
      ) : null}
      <SubmitButton pendingLabel="Saving…">Save lab settings</SubmitButton>
    </form>
  );
}
