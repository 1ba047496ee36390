// Next 16's request proxy (formerly middleware): runs before every page, action and API route.
import type { NextRequest } from "next/server";
import { env } from "@/lib/env";
import { guardRequest } from "@/lib/http/guard-request";

export function proxy(request: NextRequest) {
  return guardRequest(request, () => {
    const config = env();
    return { dev: config.NODE_ENV === "development", appUrl: config.APP_URL, stripeUrl: config.STRIPE_API_URL };
  });
}

export const config = {
  // Static files carry no script and need no nonce.
  matcher: ["/((?!_next/static|_next/image|favicon.ico|favicon.svg).*)"],
};
