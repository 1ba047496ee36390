// The operator's alert for a mail incident (lib/email/mail-incident.ts): Resend refuses our mail
// (sending domain, key, quota), so every email waits. Shown on every admin page until a send works.
import { getOpenMailIncident } from "@/lib/email/mail-incident";

export async function MailIncidentBanner() {
  const incident = await getOpenMailIncident();
  if (!incident) return null;
  return (
    <div role="alert" className="mt-4 rounded-card border border-danger-600/30 bg-danger-50 p-4 text-sm text-danger-700">
      <p className="font-semibold">Email is not going out: Resend refuses our mail.</p>
      <p className="mt-1">
        Since {incident.openedAt.toUTCString()}, {incident.waiting} email{incident.waiting === 1 ? "" : "s"} waiting. Resend says:{" "}
        <code className="break-all">{incident.error}</code>
      </p>
      <p className="mt-1">
        Fix the sending domain, API key or plan in Resend (or <code>MAIL_FROM</code> / <code>RESEND_API_KEY</code>); the waiting emails go out within a minute
        of the fix, nothing is lost. <code>npm run doctor</code> checks the configuration.
      </p>
    </div>
  );
}
