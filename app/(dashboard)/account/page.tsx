import type { Metadata } from "next";
import Link from "next/link";
import { currentSessionToken, requireUser } from "@/lib/auth/session";
import { approximateAgo, listUserSessions } from "@/lib/auth/sessions";
import { listSecurityEvents } from "@/lib/auth/security-events";
import { ActionForm } from "@/components/forms/action-form";
import { ChangePasswordForm } from "@/components/account/change-password-form";
import { changeEmailAction, changePasswordAction, resendVerificationAction, signOutOtherSessionsAction, signOutSessionAction } from "./actions";

export const metadata: Metadata = { title: "Account" };

const card = "rounded-card border border-line bg-surface p-card shadow-card";
const time = (d: Date) => d.toUTCString().replace(/:\d\d GMT$/, " UTC");

export default async function AccountPage() {
  const user = await requireUser("/account");
  const now = new Date();
  const [sessions, events] = await Promise.all([listUserSessions(user.id, await currentSessionToken(), now), listSecurityEvents(user.id)]);
  return (
    <div className="mx-auto max-w-content space-y-8 px-gutter py-10">
      <div>
        <h1 className="text-2xl font-bold tracking-tight">Account</h1>
        <p className="mt-1 text-sm text-ink-muted wrap-anywhere">Signed in as {user.email}</p>
      </div>

      {/* Grid items may shrink below their content: a long email address wraps instead of widening the page. */}
      <div className="grid gap-6 lg:grid-cols-2 [&>*]:min-w-0">
        <section aria-labelledby="email-heading" className={`${card} space-y-4`}>
          <h2 id="email-heading" className="text-lg font-semibold">
            Email address
          </h2>
          <p className="text-sm wrap-anywhere">
            {user.email}{" "}
            {user.emailVerified ? <span className="text-success-700">(confirmed)</span> : <span className="text-danger-700">(not confirmed yet)</span>}
          </p>
          {user.emailVerified ? null : (
            <ActionForm action={resendVerificationAction} submit="Send the confirmation link again" pending="Sending…" idPrefix="verify-" />
          )}
          <ActionForm
            action={changeEmailAction}
            idPrefix="email-"
            fields={[
              { name: "newEmail", label: "New email address", type: "email", autoComplete: "email" },
              { name: "password", label: "Your password", type: "password", autoComplete: "current-password" },
            ]}
            submit="Change email address"
            pending="Sending link…"
          >
            <p className="text-sm text-ink-muted">We send a link to the new address; it replaces this one only once you open it.</p>
          </ActionForm>
        </section>

        <section className={card}>
          <ChangePasswordForm action={changePasswordAction} />
        </section>

        <section aria-labelledby="2fa-heading" className={`${card} space-y-3`}>
          <h2 id="2fa-heading" className="text-lg font-semibold">
            Two-factor sign-in
          </h2>
          <p className="text-sm">{user.totpEnabledAt ? "On: sign-in asks for a code from your authenticator app." : "Off."}</p>
          <Link href="/account/two-factor" className="font-medium text-brand-700 underline-offset-2 hover:underline">
            {user.totpEnabledAt ? "Manage two-factor sign-in" : "Set up two-factor sign-in"}
          </Link>
        </section>

        <section aria-labelledby="sessions-heading" className={`${card} space-y-3`}>
          <h2 id="sessions-heading" className="text-lg font-semibold">
            Signed-in browsers
          </h2>
          <ul className="divide-y divide-line" data-testid="sessions">
            {sessions.map((s) => (
              <li key={s.id} className="flex items-center justify-between gap-3 py-2 text-sm" data-testid="session">
                <div>
                  <p className="font-medium">
                    {s.device} {s.current ? <span className="text-success-700">(this browser)</span> : null}
                  </p>
                  <p className="text-ink-muted">
                    Signed in {time(s.signedInAt)} · active {approximateAgo(s.lastSeenAt, now)}
                  </p>
                </div>
                {s.current ? null : <ActionForm action={signOutSessionAction} hidden={{ sessionId: s.id }} submit="Sign out" pending="Signing out…" />}
              </li>
            ))}
          </ul>
          {sessions.length > 1 ? <ActionForm action={signOutOtherSessionsAction} submit="Sign out all other browsers" pending="Signing out…" /> : null}
        </section>
      </div>

      <section aria-labelledby="activity-heading" className={card}>
        <h2 id="activity-heading" className="text-lg font-semibold">
          Security activity
        </h2>
        <ul className="mt-3 divide-y divide-line text-sm" data-testid="security-events">
          {events.length === 0 ? <li className="py-2 text-ink-muted">Nothing yet.</li> : null}
          {events.map((e) => (
            <li key={e.id} className="flex justify-between gap-3 py-2">
              <span>
                {e.label}
                {e.device ? <span className="text-ink-muted"> · {e.device}</span> : null}
              </span>
              <time className="text-ink-muted" dateTime={e.at.toISOString()}>
                {time(e.at)}
              </time>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
