import type { FormState } from "@/lib/actions/form-state";

type Props = { name: string; label: string; state: FormState; hint?: string; required?: boolean };

/** A textarea for one OpenSSH public key line, with its error announced like Field's. */
export function PublicKeyField({
  name,
  label,
  state,
  hint = "One line, as in ~/.ssh/id_ed25519.pub: ed25519, ecdsa or RSA (2048 bits or more).",
  required = true,
}: Props) {
  const error = state.fieldErrors?.[name];
  const id = name.replace(/[^a-zA-Z0-9_-]/g, "-");
  const describedBy = error ? `${id}-error` : `${id}-hint`;
  return (
    <div className="space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium text-ink">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        rows={3}
        required={required}
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        placeholder="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA… you@laptop"
        defaultValue={state.values?.[name]}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        className={`block w-full rounded-lg border bg-surface px-3 py-2 font-mono text-xs text-ink shadow-sm focus:border-brand-600 focus:ring-2 focus:ring-brand-200 focus:outline-none ${error ? "border-danger-600" : "border-line-strong"}`}
      />
      {error ? (
        <p id={`${id}-error`} className="text-sm text-danger-700">
          {error}
        </p>
      ) : (
        <p id={`${id}-hint`} className="text-xs text-ink-subtle">
          {hint}
        </p>
      )}
    </div>
  );
}
