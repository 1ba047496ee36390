"use client";
import { useActionState } from "react";
import Link from "next/link";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import { PublicKeyField } from "@/components/ssh-keys/public-key-field";
import { keyTypeLabel } from "@/components/ssh-keys/ssh-key-list";
import { formatMoney } from "@/lib/format/money";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;
export type CheckoutKey = { id: string; field: string; name: string; fingerprint: string; keyType: string; bits: number | null };
type Props = {
  action: Action;
  plan: { slug: string; monthlyPriceMinor: number; yearlyPriceMinor: number | null; currency: string };
  keys: CheckoutKey[];
  defaultHostname: string;
};

const legend = "text-sm font-medium text-ink";
const choice =
  "flex cursor-pointer items-start gap-3 rounded-lg border border-line-strong px-3 py-2.5 has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50";

function FieldsetError({ state, name }: { state: FormState; name: string }) {
  const error = state.fieldErrors?.[name];
  return error ? (
    <p id={`${name}-error`} className="text-sm text-danger-700">
      {error}
    </p>
  ) : null;
}

export function CheckoutForm({ action, plan, keys, defaultHostname }: Props) {
  const [state, formAction] = useActionState(action, idleState);
  // Before the first submit the form shows its defaults; after an error, what the customer chose.
  const submitted = state.values !== undefined;
  const shown: FormState = submitted ? state : { ...state, values: { hostname: defaultHostname } };
  const interval = state.values?.interval ?? "month";
  const yearlySaving = plan.yearlyPriceMinor === null ? 0 : Math.round(100 - (plan.yearlyPriceMinor * 100) / (plan.monthlyPriceMinor * 12));
  return (
    <form action={formAction} noValidate className="space-y-6">
      <FormMessage state={state} />
      <input type="hidden" name="plan" value={plan.slug} />

      <fieldset className="min-w-0 space-y-2" aria-describedby={state.fieldErrors?.interval ? "interval-error" : undefined}>
        <legend className={legend}>Billing</legend>
        <label className={choice}>
          <input type="radio" name="interval" value="month" defaultChecked={interval === "month"} className="mt-1" />
          <span>
            <span className="font-semibold">{formatMoney(plan.monthlyPriceMinor, plan.currency)}</span> / month
          </span>
        </label>
        {plan.yearlyPriceMinor !== null ? (
          <label className={choice}>
            <input type="radio" name="interval" value="year" defaultChecked={interval === "year"} className="mt-1" />
            <span>
              <span className="font-semibold">{formatMoney(plan.yearlyPriceMinor, plan.currency)}</span> / year
              {yearlySaving > 0 ? <span className="ml-2 text-xs text-success-700">save {yearlySaving}%</span> : null}
            </span>
          </label>
        ) : null}
        <FieldsetError state={state} name="interval" />
      </fieldset>

      <fieldset className="min-w-0 space-y-2" aria-describedby={state.fieldErrors?.sshKeys ? "sshKeys-error" : undefined}>
        <legend className={legend}>SSH keys</legend>
        <p className="text-xs text-ink-subtle">
          The VM accepts these keys for SSH. Manage saved keys on{" "}
          <Link href="/keys" className="text-brand-700 underline-offset-2 hover:underline">
            your keys page
          </Link>
          .
        </p>
        {keys.map((key) => (
          <label key={key.id} className={choice}>
            <input type="checkbox" name={key.field} defaultChecked={submitted ? state.values?.[key.field] === "on" : true} className="mt-1" />
            <span className="min-w-0">
              <span className="block break-words font-medium">{key.name}</span>
              <span className="block break-all font-mono text-xs text-ink-subtle">
                {keyTypeLabel(key.keyType, key.bits)} · {key.fingerprint}
              </span>
            </span>
          </label>
        ))}
        <FieldsetError state={state} name="sshKeys" />
        <div className="space-y-3 rounded-lg border border-dashed border-line-strong p-3">
          <PublicKeyField
            name="newKey"
            label={keys.length ? "Or add a new public key" : "Your public key"}
            required={!keys.length}
            hint="It is saved to your keys for next time. One line: ed25519, ecdsa or RSA (2048 bits or more)."
            state={state}
          />
          <Field name="newKeyName" label="Name for the new key (optional)" required={false} state={state} />
        </div>
      </fieldset>

      <Field name="hostname" label="Hostname" hint="Lowercase letters, digits and hyphens; up to 40 characters." state={shown} />

      <SubmitButton pendingLabel="Opening secure checkout…" className="w-full">
        Continue to payment
      </SubmitButton>
      <p className="text-center text-xs text-ink-subtle">You pay on Stripe&apos;s page. Cancel there and nothing is charged.</p>
    </form>
  );
}
