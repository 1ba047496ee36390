// "Confirm your email address" for a customer who has not yet: on the dashboard, and on checkout
// where it explains why paying waits for it. The resend button is rate-limited (lib/auth).
import { ActionForm } from "@/components/forms/action-form";
import type { FormState } from "@/lib/actions/form-state";

type Action = (state: FormState, formData: FormData) => Promise<FormState>;

export function VerifyEmailNotice({ email, resend, reason }: { email: string; resend: Action; reason?: string }) {
  return (
    <div role="status" data-testid="verify-email-notice" className="mt-6 max-w-2xl space-y-3 rounded-card border border-warning-600/30 bg-warning-50 p-card">
      <p className="font-semibold text-warning-700">Confirm your email address</p>
      <p className="text-sm">
        We sent a link to <strong>{email}</strong>.{" "}
        {reason ?? "Open it to confirm the address is yours: we send your invoices and notices about your VMs there."}
      </p>
      <ActionForm action={resend} submit="Send the link again" pending="Sending…" idPrefix="notice-" />
    </div>
  );
}
