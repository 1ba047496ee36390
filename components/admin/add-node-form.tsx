"use client";
import { useActionState } from "react";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

export function AddNodeForm({ action }: { action: Action }) {
  const [state, formAction] = useActionState(action, idleState);
  const f = (name: string) => ({ name, id: `new-${name}`, state });
  return (
    <form action={formAction} noValidate className="space-y-3" aria-labelledby="add-node-heading">
      <h2 id="add-node-heading" className="text-lg font-semibold">
        Add a node
      </h2>
      <FormMessage state={state} />
      <div className="grid gap-3 sm:grid-cols-3">
        <Field {...f("name")} label="Node name" hint="As Proxmox names it (pvecm nodes)" />
        <Field {...f("cpuCapacity")} label="vCPUs" type="number" />
        <Field {...f("ramCapacityGb")} label="RAM (GB)" type="number" />
        <Field {...f("diskCapacityGb")} label="Disk (GB)" type="number" />
        <Field {...f("eveTemplateVmid")} label="EVE-NG template VMID" type="number" required={false} />
        <Field {...f("containerlabTemplateVmid")} label="Containerlab template VMID" type="number" required={false} />
        <Field {...f("sshHost")} label="SSH host" hint="This node's own address." />
        <Field {...f("sshPort")} label="SSH port" type="number" />
        <Field {...f("sshHostFingerprint")} label="Host key fingerprint" hint="SHA256:… (ssh-keygen -lf on the node)" />
        <Field {...f("snippetStorage")} label="Snippet storage" hint="local, or a shared storage with snippets content" />
        <Field {...f("snippetDir")} label="Snippet directory" hint="e.g. /var/lib/vz/snippets" />
      </div>
      <SubmitButton pendingLabel="Adding…">Add node</SubmitButton>
    </form>
  );
}
