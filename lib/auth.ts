// Auth.js configuration: email + password (credentials provider) with JWT sessions. The session
// carries only the user id; server code re-reads the user (role included) on every request, so a
// role change or a deleted account takes effect at once.
import NextAuth, { CredentialsSignin } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { authenticate } from "@/lib/auth/authenticate";
import { clientIp } from "@/lib/auth/rate-limit";
import { safeReturnPath } from "@/lib/auth/return-path";
import { isOwnCallback } from "@/lib/auth/sanitize-auth-request";

export class RateLimitedSignIn extends CredentialsSignin {
  code = "rate_limited";
  constructor(readonly retryAfterMinutes: number) {
    super();
  }
}

export const { handlers, auth, signIn, signOut } = NextAuth({
  // Self-hosted behind our own server.ts: the Host header is the app's own.
  trustHost: true,
  session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
  pages: { signIn: "/sign-in" },
  logger: {
    // A failed or rate-limited sign-in is an expected outcome (and is recorded in login_attempts),
    // not a server error worth a stack trace in the log.
    error(error) {
      if (error instanceof CredentialsSignin) return;
      console.error(`[auth] ${error.name}: ${error.message}`);
    },
  },
  providers: [
    Credentials({
      credentials: { email: { type: "email" }, password: { type: "password" } },
      async authorize(credentials, request) {
        const result = await authenticate(credentials, clientIp(request.headers));
        if (result.ok) return result.user;
        if (result.reason === "rate_limited") throw new RateLimitedSignIn(result.retryAfterMinutes);
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
      if (user?.id) token.sub = user.id;
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
});
