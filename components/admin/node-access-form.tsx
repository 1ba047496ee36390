"use client";
import { useActionState } from "react";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import type { FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;
type NodeValues = { id: string; name: string; sshHost: string; sshPort: string; sshHostFingerprint: string; snippetStorage: string; snippetDir: string };

/** One node's SSH and snippet settings; the form starts filled with what is stored. */
export function NodeAccessForm({ node, action }: { node: NodeValues; action: Action }) {
  const { id, name, ...values } = node;
  const [state, formAction] = useActionState(action, { status: "idle", values });
  const filled: FormState = { ...state, values: state.values ?? values };
  return (
    <form action={formAction} noValidate className="space-y-3" aria-label={`SSH and snippets of ${name}`} data-testid="node-access-form" data-node={name}>
      <input type="hidden" name="nodeId" value={id} />
      <FormMessage state={filled} />
      <div className="grid gap-3 sm:grid-cols-3">
        <Field name="sshHost" id={`sshHost-${name}`} label="SSH host" state={filled} hint="This node's own address." />
        <Field name="sshPort" id={`sshPort-${name}`} label="SSH port" type="number" state={filled} />
        <Field
          name="sshHostFingerprint"
          id={`sshHostFingerprint-${name}`}
          label="Host key fingerprint"
          state={filled}
          hint="SHA256:… (ssh-keygen -lf on the node)"
        />
        <Field
          name="snippetStorage"
          id={`snippetStorage-${name}`}
          label="Snippet storage"
          state={filled}
          hint="local, or a shared storage with snippets content"
        />
        <Field name="snippetDir" id={`snippetDir-${name}`} label="Snippet directory" state={filled} hint="That storage's snippets directory on the node" />
      </div>
      <SubmitButton pendingLabel="Saving…">Save {name}</SubmitButton>
    </form>
  );
}
