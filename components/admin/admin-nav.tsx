"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";

const LINKS = [
  { href: "/admin", label: "Home" },
  { href: "/admin/customers", label: "Customers" },
  { href: "/admin/orders", label: "Orders" },
  { href: "/admin/vms", label: "VMs" },
  { href: "/admin/resizes", label: "Resizes" },
  { href: "/admin/pricing", label: "Pricing" },
  { href: "/admin/nodes", label: "Nodes" },
  { href: "/admin/billing", label: "Billing" },
  { href: "/admin/reconcile", label: "Reconcile" },
] as const;

export function AdminNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Operator" className="border-b border-line">
      <ul className="flex gap-1 text-sm">
        {LINKS.map((link) => {
          const current = link.href === "/admin" ? pathname === "/admin" : pathname.startsWith(link.href);
          return (
            <li key={link.href}>
              <Link
                href={link.href}
                aria-current={current ? "page" : undefined}
                className={`-mb-px inline-block border-b-2 px-3 py-2 ${current ? "border-brand-600 font-semibold text-ink" : "border-transparent text-ink-muted hover:text-ink"}`}
              >
                {link.label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
