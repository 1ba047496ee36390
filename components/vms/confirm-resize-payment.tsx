"use client";
// 3-D Secure in our page: Stripe.js is loaded from STRIPE_JS_URL (Stripe's own by default, the
// stand-in's compatible script locally), then `loadStripe` (the pure entry, which injects nothing
// and uses the loaded `window.Stripe`) and `handleNextAction` on the invoice's confirmation
// secret. Whatever the browser reports, the server re-reads Stripe before anything changes (I1).
import { useState, useTransition } from "react";
import { useRouter } from "next/navigation";
import { loadStripe } from "@stripe/stripe-js/pure";
import type { FormState } from "@/lib/actions/form-state";
import { buttonStyles } from "@/components/ui/button-styles";

type Props = {
  vmId: string;
  resizeRequestId: string;
  clientSecret: string;
  publishableKey: string;
  stripeJsUrl: string;
  action: (state: FormState, formData: FormData) => Promise<FormState>;
};

let scriptLoad: Promise<void> | null = null;
function loadStripeJs(url: string): Promise<void> {
  if ((window as { Stripe?: unknown }).Stripe) return Promise.resolve();
  scriptLoad ??= new Promise<void>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = url;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => {
      scriptLoad = null;
      reject(new Error("Stripe.js could not be loaded"));
    };
    document.head.appendChild(script);
  });
  return scriptLoad;
}

export function ConfirmResizePayment({ vmId, resizeRequestId, clientSecret, publishableKey, stripeJsUrl, action }: Props) {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const [busy, startTransition] = useTransition();

  const confirm = () =>
    startTransition(async () => {
      setMessage(null);
      try {
        await loadStripeJs(stripeJsUrl);
        const stripe = await loadStripe(publishableKey);
        if (!stripe) throw new Error("Stripe.js is not available");
        const result = await stripe.handleNextAction({ clientSecret });
        if (result.error) {
          setMessage(result.error.message ?? "The payment was not confirmed.");
          return;
        }
      } catch {
        setMessage("We couldn't open your bank's confirmation here. Use the invoice link below instead.");
        return;
      }
      const form = new FormData();
      form.set("vmId", vmId);
      form.set("resizeRequestId", resizeRequestId);
      const state = await action({ status: "idle" }, form);
      setMessage(state.message ?? null);
      router.refresh();
    });

  return (
    <div className="mt-2 space-y-1">
      <button type="button" onClick={confirm} disabled={busy} className={buttonStyles.primary} data-testid="confirm-3ds">
        {busy ? "Waiting for your bank…" : "Confirm the payment with your bank"}
      </button>
      {message ? (
        <p role="status" className="text-sm" data-testid="confirm-3ds-message">
          {message}
        </p>
      ) : null}
    </div>
  );
}
