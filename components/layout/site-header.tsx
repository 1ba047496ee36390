import Link from "next/link";
import { getUser } from "@/lib/auth/session";
import { buttonStyles } from "@/components/ui/button-styles";

/** `signOutAction` comes from the layout: components never import app/ (the server action lives there). */
export async function SiteHeader({ signOutAction }: { signOutAction: () => Promise<void> }) {
  const user = await getUser();
  return (
    <header className="border-b border-line bg-surface">
      <nav aria-label="Main" className="mx-auto flex max-w-content items-center justify-between gap-4 px-gutter py-3">
        <Link href="/" className="flex items-center gap-2 font-bold text-ink">
          <span aria-hidden className="rounded-md bg-surface-dark px-1.5 py-0.5 font-mono text-xs text-brand-200">
            &gt;_
          </span>
          Lab VPS
        </Link>
        <ul className="flex items-center gap-1 text-sm">
          <li>
            <Link href="/pricing" className={buttonStyles.ghost}>
              Pricing
            </Link>
          </li>
          {user ? (
            <>
              <li>
                <Link href="/dashboard" className={buttonStyles.ghost}>
                  Dashboard
                </Link>
              </li>
              <li>
                <Link href="/billing" className={buttonStyles.ghost}>
                  Billing
                </Link>
              </li>
              <li>
                <Link href="/keys" className={buttonStyles.ghost}>
                  SSH keys
                </Link>
              </li>
              <li>
                <Link href="/account" className={buttonStyles.ghost}>
                  Account
                </Link>
              </li>
              {user.role === "admin" ? (
                <li>
                  <Link href="/admin" className={buttonStyles.ghost}>
                    Admin
                  </Link>
                </li>
              ) : null}
              <li>
                <form action={signOutAction}>
                  <button type="submit" className={buttonStyles.secondary}>
                    Sign out
                  </button>
                </form>
              </li>
            </>
          ) : (
            <>
              <li>
                <Link href="/sign-in" className={buttonStyles.ghost}>
                  Sign in
                </Link>
              </li>
              <li>
                <Link href="/sign-up" className={buttonStyles.primary}>
                  Get started
                </Link>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}
