import type { Metadata } from "next";
import { z } from "zod";
import { requireUser } from "@/lib/auth/session";
import { pendingTwoFactorEnrolment, remainingRecoveryCodes } from "@/lib/auth/two-factor";
import { flagParam, parseSearchParams, type RawSearchParams } from "@/lib/http/search-params";
import { ActionForm } from "@/components/forms/action-form";
import { ConfirmTwoFactorForm } from "@/components/account/confirm-two-factor-form";
import { confirmTwoFactorAction, disableTwoFactorAction, startTwoFactorAction } from "../actions";

export const metadata: Metadata = { title: "Two-factor sign-in" };

const searchSchema = z.object({ required: flagParam });
const card = "mt-6 max-w-xl space-y-4 rounded-card border border-line bg-surface p-card shadow-card";

export default async function TwoFactorPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const user = await requireUser("/account/two-factor");
  const { required } = parseSearchParams(searchSchema, await searchParams);
  const enabled = user.totpEnabledAt !== null;
  const pending = enabled ? null : await pendingTwoFactorEnrolment(user.id);
  return (
    <div className="mx-auto max-w-content px-gutter py-10">
      <h1 className="text-2xl font-bold tracking-tight">Two-factor sign-in</h1>
      {required && !enabled ? (
        <p role="alert" className="mt-3 max-w-xl rounded-lg border border-danger-600/30 bg-danger-50 px-3 py-2 text-sm text-danger-700">
          The operator account must use two-factor sign-in. Set it up to open the admin pages.
        </p>
      ) : null}
      {enabled ? (
        <section className={card}>
          <p className="text-sm">
            On since {user.totpEnabledAt!.toUTCString()}. {await remainingRecoveryCodes(user.id)} of 10 recovery codes left.
          </p>
          <h2 className="text-lg font-semibold">Turn off</h2>
          <ActionForm
            action={disableTwoFactorAction}
            fields={[
              { name: "password", label: "Password", type: "password", autoComplete: "current-password" },
              { name: "code", label: "Code from your app (or a recovery code)", autoComplete: "one-time-code" },
            ]}
            submit="Turn off two-factor sign-in"
            pending="Turning off…"
          />
        </section>
      ) : pending ? (
        <section className={card}>
          <p className="text-sm">Scan this code with an authenticator app (1Password, Google Authenticator, Aegis, …), then enter the 6-digit code it shows.</p>
          {/* Rendered here from our own SVG: the secret never goes to a third-party QR service. */}
          <div role="img" aria-label="QR code for your authenticator app" className="h-48 w-48" dangerouslySetInnerHTML={{ __html: pending.qrSvg }} />
          <p className="text-sm">
            Or type this key:{" "}
            <code data-testid="totp-secret" className="break-all font-mono">
              {pending.secret}
            </code>
          </p>
          <ConfirmTwoFactorForm action={confirmTwoFactorAction} />
        </section>
      ) : (
        <section className={card}>
          <p className="text-sm">
            After your password, sign-in asks for a code from an app on your phone. Someone who learns your password still cannot sign in.
          </p>
          <ActionForm action={startTwoFactorAction} submit="Set up two-factor sign-in" pending="Preparing…" />
        </section>
      )}
    </div>
  );
}
