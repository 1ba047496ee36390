// Auth.js configuration: email + password (credentials provider) with JWT sessions. The JWT
// carries the user id and a session token; server code re-reads the session row and the user
// (role included) on every request, so sign-out, a password change, a disabled or deleted account
// and a role change take effect at once (lib/auth/auth-session.ts).
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { authenticate } from "@/lib/auth/authenticate";
import { completeSignIn, completeTwoFactorChallenge, createTwoFactorChallenge } from "@/lib/auth/sign-in";
import { deliverLater } from "@/lib/email/deliver-later";
import { clientIp } from "@/lib/auth/rate-limit";
import { safeReturnPath } from "@/lib/auth/return-path";
import { isOwnCallback } from "@/lib/auth/sanitize-auth-request";
import { SESSION_MAX_AGE_SECONDS, endSession } from "@/lib/auth/auth-session";
import { log } from "@/lib/observability/log";

export class DisabledAccountSignIn extends CredentialsSignin {
  code = "disabled";
}

export class RateLimitedSignIn extends CredentialsSignin {
  code = "rate_limited";
  constructor(readonly retryAfterMinutes: number) {
    super();
  }
}

/** The password was right and the account has two-factor on: the code comes next, with this challenge. */
export class TwoFactorRequired extends CredentialsSignin {
  code = "two_factor_required";
  constructor(readonly challenge: string) {
    super();
  }
}

/** The second step's challenge is used, expired or unknown: start again with the password. */
export class TwoFactorChallengeExpired extends CredentialsSignin {
  code = "two_factor_expired";
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  // Self-hosted behind our own server.ts: the Host header is the app's own.
  trustHost: true,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/sign-in" },
  logger: {
    // A failed or rate-limited sign-in is an expected outcome (and is recorded in login_attempts),
    // not a server error worth a stack trace in the log.
    error(error) {
      if (error instanceof CredentialsSignin) return;
      log("auth").error({ err: { name: error.name, message: error.message } }, "auth error");
    },
  },
  providers: [
    Credentials({
      credentials: { email: { type: "email" }, password: { type: "password" }, challenge: {}, code: {} },
      async authorize(credentials, request) {
        const ip = clientIp(request.headers);
        const userAgent = request.headers.get("user-agent");
        // The second step: the challenge from the first and a TOTP or recovery code.
        if (credentials.challenge !== undefined) {
          const second = await completeTwoFactorChallenge(credentials.challenge, credentials.code, ip);
          if (second.ok) return signedIn(second.user, userAgent);
          if (second.reason === "rate_limited") throw new RateLimitedSignIn(second.retryAfterMinutes);
          if (second.reason === "expired") throw new TwoFactorChallengeExpired();
          return null;
        }
        const result = await authenticate(credentials, ip);
        if (result.ok && result.twoFactor) throw new TwoFactorRequired(await createTwoFactorChallenge(result.user));
        if (result.ok) return signedIn(result.user, userAgent);
        if (result.reason === "rate_limited") throw new RateLimitedSignIn(result.retryAfterMinutes);
        if (result.reason === "disabled") throw new DisabledAccountSignIn();
        return null;
      },
    }),
  ],
  callbacks: {
    // Auth.js's default accepts any path starting with "/", including "//evil.test".
    redirect({ url, baseUrl }) {
      const origin = new URL(baseUrl).origin;
      if (!isOwnCallback(url, origin)) return baseUrl;
      const target = new URL(url, origin);
      return `${origin}${safeReturnPath(`${target.pathname}${target.search}${target.hash}`, "/")}`;
    },
    jwt({ token, user }) {
      const sid = (user as { sid?: unknown } | undefined)?.sid;
      if (user?.id && typeof sid === "string") {
        token.sub = user.id;
        token.sid = sid;
      }
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      // Read by lib/auth/session.ts; it is the browser's own cookie content, nobody else's.
      if (typeof token.sid === "string") Object.assign(session, { sessionToken: token.sid });
      return session;
    },
  },
  events: {
    // Both sign-out paths (our action and POST /api/auth/signout) end the session row too.
    async signOut(message) {
      const sid = "token" in message ? message.token?.sid : undefined;
      if (typeof sid === "string") await endSession(sid);
    },
  },
});

/** The session row is started here (with the browser's user agent), its token travels in the JWT. */
async function signedIn(user: { id: string; email: string; name: string; role: "customer" | "admin" }, userAgent: string | null) {
  const { sid, newDeviceEmailKey } = await completeSignIn(user, userAgent);
  deliverLater([newDeviceEmailKey]);
  return { ...user, sid };
}
