import type { Metadata } from "next";
import Link from "next/link";
import { z } from "zod";
import { findLiveToken } from "@/lib/auth/tokens";
import { parseSearchParams, searchParam, type RawSearchParams } from "@/lib/http/search-params";
import { ActionForm } from "@/components/forms/action-form";
import { AuthCard } from "../auth-card";
import { resetPasswordAction } from "../actions";

export const metadata: Metadata = { title: "Choose a new password" };
// Rendered per request: the token decides what the page shows.
export const dynamic = "force-dynamic";

const searchSchema = z.object({ token: searchParam(z.string().max(100).optional().catch(undefined)) });

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const { token } = parseSearchParams(searchSchema, await searchParams);
  // Looked at, not used: the link is used only when the new password is submitted.
  const live = token ? await findLiveToken(token, "password_reset") : null;
  if (!token || !live) {
    return (
      <AuthCard title="This link no longer works" intro="A reset link works once, for 30 minutes, and only the newest one you asked for.">
        <Link href="/forgot-password" className="font-medium text-brand-700 underline-offset-2 hover:underline">
          Ask for a new link
        </Link>
      </AuthCard>
    );
  }
  return (
    <AuthCard title="Choose a new password" intro="Every browser signed in to your account will be signed out.">
      <ActionForm
        action={resetPasswordAction}
        hidden={{ token }}
        fields={[
          { name: "newPassword", label: "New password", type: "password", autoComplete: "new-password", hint: "At least 10 characters." },
          { name: "confirmPassword", label: "New password, again", type: "password", autoComplete: "new-password" },
        ]}
        submit="Set new password"
        pending="Saving…"
      />
    </AuthCard>
  );
}
