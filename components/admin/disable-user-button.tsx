"use client";
import { FormButton } from "@/components/forms/form-button";
import type { FormState } from "@/lib/actions/form-state";

/** What disabling does, in the words the operator confirms. */
export const disableConsequences = (email: string) =>
  `Disable ${email}? They can no longer sign in, and every session of theirs ends now. Their VMs keep running and their billing is unchanged. You can enable the account again later.`;

type Props = { userId: string; email: string; action: (state: FormState, formData: FormData) => Promise<FormState> };

/** Asks first and says what it does (issue 22). */
export function DisableUserButton({ userId, email, action }: Props) {
  return (
    <FormButton
      action={action}
      fields={{ userId }}
      label="Disable"
      pendingLabel="Disabling…"
      askFirst={[disableConsequences(email)]}
      ariaLabel={`Disable ${email}`}
      once
    />
  );
}
