import Link from "next/link";
import { getUser } from "@/lib/auth/session";
import { HeaderNav, type NavLink } from "@/components/layout/header-nav";

/** `signOutAction` comes from the layout: components never import app/ (the server action lives there). */
export async function SiteHeader({ signOutAction }: { signOutAction: () => Promise<void> }) {
  const user = await getUser();
  const links: NavLink[] = user
    ? [
        { href: "/pricing", label: "Pricing" },
        { href: "/dashboard", label: "Dashboard" },
        { href: "/billing", label: "Billing" },
        { href: "/keys", label: "SSH keys" },
        { href: "/account", label: "Account" },
        ...(user.role === "admin" ? [{ href: "/admin", label: "Admin" }] : []),
      ]
    : [
        { href: "/pricing", label: "Pricing" },
        { href: "/sign-in", label: "Sign in" },
        { href: "/sign-up", label: "Get started", primary: true },
      ];
  return (
    <header className="relative border-b border-line bg-surface">
      <nav aria-label="Main" className="mx-auto flex max-w-content items-center justify-between gap-4 px-gutter py-3">
        <Link href="/" className="flex shrink-0 items-center gap-2 font-bold text-ink">
          <span aria-hidden className="rounded-md bg-surface-dark px-1.5 py-0.5 font-mono text-xs text-brand-200">
            &gt;_
          </span>
          Lab VPS
        </Link>
        <HeaderNav links={links} signOutAction={user ? signOutAction : null} wide={!!user} />
      </nav>
    </header>
  );
}
