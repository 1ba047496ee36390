// The one Cloudflare client (tunnels and DNS). CLOUDFLARE_BASE_URL points it at the local stand-in.
import Cloudflare from "cloudflare";
import { env } from "@/lib/env";

let client: Cloudflare | undefined;

export function cloudflare(): Cloudflare {
  if (client) return client;
  const { CLOUDFLARE_API_TOKEN, CLOUDFLARE_BASE_URL } = env();
  client = new Cloudflare({ apiToken: CLOUDFLARE_API_TOKEN, maxRetries: 2, timeout: 20_000, ...(CLOUDFLARE_BASE_URL && { baseURL: CLOUDFLARE_BASE_URL }) });
  return client;
}
