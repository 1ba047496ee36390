"use client";
import { useActionState } from "react";
import { buttonStyles } from "@/components/ui/button-styles";
import { idleState, type FormState } from "@/lib/actions/form-state";

/** What disabling does, in the words the operator confirms. */
export const disableConsequences = (email: string) =>
  `Disable ${email}? They can no longer sign in, and every session of theirs ends now. Their VMs keep running and their billing is unchanged. You can enable the account again later.`;

type Props = { userId: string; email: string; action: (state: FormState, formData: FormData) => Promise<FormState> };

export function DisableUserButton({ userId, email, action }: Props) {
  const [state, formAction, pending] = useActionState(action, idleState);
  return (
    <form
      action={formAction}
      // Asks first and says what it does (issue 22).
      onSubmit={(event) => {
        if (!window.confirm(disableConsequences(email))) event.preventDefault();
      }}
      className="space-y-1"
    >
      <input type="hidden" name="userId" value={userId} />
      <button
        type="submit"
        aria-label={`Disable ${email}`}
        disabled={pending || state.status === "success"}
        className={`${buttonStyles.secondary} px-3 py-1.5 text-xs`}
      >
        {pending ? "Disabling…" : "Disable"}
      </button>
      {state.message || state.fieldErrors?.userId ? (
        <p role="status" className={`text-xs ${state.status === "error" ? "text-danger-700" : "text-success-700"}`}>
          {state.message ?? state.fieldErrors?.userId}
        </p>
      ) : null}
    </form>
  );
}
