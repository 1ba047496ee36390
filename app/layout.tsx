import type { Metadata } from "next";
import { connection } from "next/server";
import "./globals.css";
import { SiteHeader } from "@/components/layout/site-header";
import { signOutAction } from "@/app/(auth)/actions";
import { SiteFooter } from "@/components/layout/site-footer";

export const metadata: Metadata = {
  title: { default: "Lab VPS — EVE-NG and Containerlab machines", template: "%s · Lab VPS" },
  description: "Long-running network lab VMs with EVE-NG or Containerlab, reachable over SSH and a browser console.",
  icons: { icon: "/favicon.svg" },
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request: Next can only put the CSP nonce (proxy.ts) on the scripts of
  // a page rendered for that request; a prerendered page's scripts would be blocked.
  await connection();
  return (
    <html lang="en">
      <body className="flex min-h-screen flex-col font-sans">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-surface focus:px-3 focus:py-2">
          Skip to content
        </a>
        <SiteHeader signOutAction={signOutAction} />
        <main id="main" className="flex-1">
          {children}
        </main>
        <SiteFooter />
      </body>
    </html>
  );
}
