// The one Resend client. RESEND_BASE_URL points it at the local mail stand-in.
import "server-only";
import { Resend } from "resend";
import { env } from "@/lib/env";

let client: Resend | undefined;

export function resend(): Resend {
  if (client) return client;
  const { RESEND_API_KEY, RESEND_BASE_URL } = env();
  client = new Resend(RESEND_API_KEY, RESEND_BASE_URL ? { baseUrl: RESEND_BASE_URL } : undefined);
  return client;
}
