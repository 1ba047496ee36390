import type { Metadata } from "next";
import { requireUser } from "@/lib/auth/session";
import { ChangePasswordForm } from "@/components/account/change-password-form";
import { changePasswordAction } from "./actions";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  const user = await requireUser("/account");
  return (
    <div className="mx-auto max-w-content px-gutter py-10">
      <h1 className="text-2xl font-bold tracking-tight">Account</h1>
      <p className="mt-1 text-sm text-ink-muted">Signed in as {user.email}</p>
      <section className="mt-8 max-w-md rounded-card border border-line bg-surface p-card shadow-card">
        <ChangePasswordForm action={changePasswordAction} />
      </section>
    </div>
  );
}
