// Resend preflight, read-only. A full-access key reads the account's domains, so the doctor says
// whether MAIL_FROM's domain is verified. A sending-only key cannot (Resend answers 401
// restricted_api_key on every endpoint but sending, api-reference/errors), so the doctor says so,
// checks what it still can (the key is valid, the quota from GET /usage) and reads our own outbox:
// an open mail incident means Resend is refusing our mail right now.
import { resend } from "@/lib/email/resend";
import { getOpenMailIncident } from "@/lib/email/mail-incident";
import { waitForSendSlot } from "@/lib/email/pace";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { type CheckResult, fail, pass } from "@/lib/doctor/check";

async function domainCheck(domain: string): Promise<CheckResult[]> {
  // Paced like every Resend request: the rate limit counts the doctor's calls too.
  await waitForSendSlot();
  const { data, error } = await resend().domains.list();
  if (error?.name === "restricted_api_key") {
    await waitForSendSlot();
    const usage = await resend().usage.get();
    const daily = usage.data?.emails.daily;
    return [
      pass("resend", "API key", "a sending-only key: it can send (and read usage), not read domains"),
      pass(
        "resend",
        "domain",
        `not checked: a sending-only key cannot read whether ${domain} is verified (a full-access key can); a refused send opens a mail incident on /admin`,
      ),
      usage.error
        ? pass("resend", "quota", `not checked: ${usage.error.message}`)
        : pass("resend", "quota", `${daily?.used ?? 0} email(s) today${daily?.limit ? ` of ${daily.limit}` : ", no daily quota"}`),
    ];
  }
  if (error) return [fail("resend", "domain", `${error.name}: ${error.message}`)];
  const found = data?.data.find((d) => d.name.toLowerCase() === domain);
  if (!found) return [fail("resend", "domain", `${domain} (from MAIL_FROM) is not a domain of this Resend account`)];
  return [
    found.status === "verified" ? pass("resend", "domain", `${domain} verified`) : fail("resend", "domain", `${domain} is ${found.status}, not verified`),
  ];
}

async function deliveryCheck(): Promise<CheckResult> {
  const incident = await getOpenMailIncident();
  if (incident)
    return fail("resend", "deliveries", `Resend refuses our mail since ${incident.openedAt.toISOString()} (${incident.waiting} waiting): ${incident.error}`);
  const [waiting, failed] = await Promise.all([db.emailOutbox.count({ where: { status: "pending" } }), db.emailOutbox.count({ where: { status: "failed" } })]);
  return pass("resend", "deliveries", `no mail incident; ${waiting} waiting, ${failed} refused for a bad address`);
}

export async function resendChecks(): Promise<CheckResult[]> {
  const domain = /@([^>\s]+)>?\s*$/.exec(env().MAIL_FROM)?.[1]?.toLowerCase();
  if (!domain) return [fail("resend", "domain", `MAIL_FROM ${env().MAIL_FROM} has no domain`)];
  return [...(await domainCheck(domain)), await deliveryCheck()];
}
