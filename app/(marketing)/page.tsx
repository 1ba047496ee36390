import Link from "next/link";
import { buttonStyles } from "@/components/ui/button-styles";
import { getUser } from "@/lib/auth/session";

const features = [
  {
    title: "Paid, then built",
    body: "Your VM is cloned from a tested EVE-NG or Containerlab image as soon as Stripe confirms the payment — usually within a minute.",
  },
  {
    title: "Closed to everyone but you",
    body: "SSH and the EVE-NG web UI go through your VM's own Cloudflare Tunnel, on hostnames nobody can guess, behind a Cloudflare Access sign-in that admits only your account's email. EVE-NG VMs get their own web password, never the image's default.",
  },
  { title: "Console in the browser", body: "Broke the network config? Open the VNC console from your dashboard and fix it as if you were at the keyboard." },
  { title: "Weeks, not hours", body: "Labs stay up for as long as you pay. No per-hour meter, no surprise bill, resize when a topology outgrows the box." },
];

export default async function HomePage() {
  // Signed in, the second button goes to the dashboard: the visitor already has an account.
  const user = await getUser();
  return (
    <>
      <section className="bg-surface-dark text-white">
        <div className="mx-auto max-w-content px-gutter py-section">
          <p className="font-mono text-sm text-brand-200">eve-ng · containerlab · proxmox</p>
          <h1 className="mt-3 max-w-3xl text-4xl font-bold tracking-tight sm:text-5xl">Network labs that stay up for weeks, without cloud prices.</h1>
          <p className="mt-5 max-w-2xl text-lg text-slate-300">
            Lab VPS rents you a dedicated virtual machine with EVE-NG or Containerlab ready to go. Pay monthly, reach it over SSH or the browser console, and
            keep your topology running between study sessions.
          </p>
          <div className="mt-8 flex flex-wrap gap-3">
            <Link href="/pricing" className={buttonStyles.primary}>
              See plans and prices
            </Link>
            <Link href={user ? "/dashboard" : "/sign-up"} className={`${buttonStyles.secondary} border-slate-600 bg-transparent text-white hover:bg-white/10`}>
              {user ? "Open your dashboard" : "Create an account"}
            </Link>
          </div>
        </div>
      </section>
      <section aria-labelledby="how" className="mx-auto max-w-content px-gutter py-section">
        <h2 id="how" className="text-2xl font-bold tracking-tight">
          How it works
        </h2>
        <ul className="mt-8 grid gap-6 sm:grid-cols-2">
          {features.map((f) => (
            <li key={f.title} className="rounded-card border border-line bg-surface p-card shadow-card">
              <h3 className="font-semibold">{f.title}</h3>
              <p className="mt-2 text-sm text-ink-muted">{f.body}</p>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
