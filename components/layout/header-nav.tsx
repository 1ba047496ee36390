"use client";
// The header's links: in a row where they fit, behind a "Menu" button on narrow screens (a phone
// reaches every link, Sign out included). The menu closes on Escape and on navigation.
import { useEffect, useId, useRef, useState } from "react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { buttonStyles } from "@/components/ui/button-styles";

export type NavLink = { href: string; label: string; primary?: boolean };

type Props = { links: NavLink[]; signOutAction: (() => Promise<void>) | null; wide: boolean };

function Items({ links, signOutAction, stacked }: Omit<Props, "wide"> & { stacked: boolean }) {
  const pathname = usePathname();
  const item = stacked ? "w-full justify-start" : "";
  return (
    <>
      {links.map((l) => (
        <li key={l.href}>
          <Link
            href={l.href}
            className={`${l.primary ? buttonStyles.primary : buttonStyles.ghost} ${item}`}
            aria-current={pathname === l.href || pathname.startsWith(`${l.href}/`) ? "page" : undefined}
          >
            {l.label}
          </Link>
        </li>
      ))}
      {signOutAction ? (
        <li>
          <form action={signOutAction}>
            <button type="submit" className={`${buttonStyles.secondary} ${item}`}>
              Sign out
            </button>
          </form>
        </li>
      ) : null}
    </>
  );
}

export function HeaderNav({ links, signOutAction, wide }: Props) {
  const [open, setOpen] = useState(false);
  const pathname = usePathname();
  const [openedAt, setOpenedAt] = useState(pathname);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  // Following a link closes the menu.
  if (open && openedAt !== pathname) {
    setOpen(false);
    setOpenedAt(pathname);
  }
  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      setOpen(false);
      button.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [open]);
  // Signed in there are seven items: a row from `lg`; signed out three: a row from `sm`.
  const row = wide ? "hidden lg:flex" : "hidden sm:flex";
  const toggle = wide ? "lg:hidden" : "sm:hidden";
  return (
    <>
      <ul className={`${row} items-center gap-1 text-sm`}>
        <Items links={links} signOutAction={signOutAction} stacked={false} />
      </ul>
      <button
        ref={button}
        type="button"
        className={`${buttonStyles.secondary} ${toggle}`}
        aria-expanded={open}
        aria-controls={id}
        onClick={() => {
          setOpenedAt(pathname);
          setOpen(!open);
        }}
      >
        {open ? "Close menu" : "Menu"}
      </button>
      <ul
        id={id}
        hidden={!open}
        className={`${toggle} absolute inset-x-0 top-full z-20 space-y-1 border-b border-line bg-surface px-gutter py-3 text-sm shadow-card`}
      >
        <Items links={links} signOutAction={signOutAction} stacked />
      </ul>
    </>
  );
}
