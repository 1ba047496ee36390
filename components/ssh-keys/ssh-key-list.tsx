import type { SshKeySummary } from "@/lib/ssh-keys/add-ssh-key";
import type { FormState } from "@/lib/actions/form-state";
import { DeleteSshKeyButton } from "@/components/ssh-keys/delete-ssh-key-button";
import { LongValue } from "@/components/ui/long-value";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

export const keyTypeLabel = (keyType: string, bits: number | null) =>
  keyType === "ssh-ed25519" ? "ED25519" : keyType === "ssh-rsa" ? `RSA ${bits ?? ""}`.trim() : `ECDSA ${bits ?? ""}`.trim();

export function SshKeyList({ keys, deleteAction }: { keys: SshKeySummary[]; deleteAction: Action }) {
  if (!keys.length) {
    return (
      <p className="rounded-card border border-dashed border-line-strong bg-surface p-card text-center text-sm text-ink-muted" data-testid="no-keys">
        No keys yet. Add the public key of each machine you will connect from.
      </p>
    );
  }
  return (
    <ul className="divide-y divide-line rounded-card border border-line bg-surface" aria-label="Your SSH keys">
      {keys.map((key) => (
        <li key={key.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 px-4 py-3" data-testid="ssh-key">
          <div className="min-w-0 flex-1">
            <p className="break-words font-medium">{key.name}</p>
            <LongValue value={key.fingerprint} label={`fingerprint of ${key.name}`} prefix={`${keyTypeLabel(key.keyType, key.bits)} · `} />
          </div>
          <DeleteSshKeyButton action={deleteAction} keyId={key.id} keyName={key.name} fingerprint={key.fingerprint} />
        </li>
      ))}
    </ul>
  );
}
