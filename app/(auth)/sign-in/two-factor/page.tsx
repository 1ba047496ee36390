import type { Metadata } from "next";
import { z } from "zod";
import { redirect } from "next/navigation";
import { getUser } from "@/lib/auth/session";
import { safeReturnPath } from "@/lib/auth/return-path";
import { parseSearchParams, returnPathParam, type RawSearchParams } from "@/lib/http/search-params";
import { ActionForm } from "@/components/forms/action-form";
import { AuthCard } from "../../auth-card";
import { twoFactorAction } from "../../actions";

export const metadata: Metadata = { title: "Two-factor sign-in" };

const searchSchema = z.object({ next: returnPathParam });

export default async function TwoFactorPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const { next } = parseSearchParams(searchSchema, await searchParams);
  if (await getUser()) redirect(safeReturnPath(next));
  return (
    <AuthCard title="Two-factor sign-in" intro="Enter the 6-digit code from your authenticator app, or one of your recovery codes.">
      <ActionForm
        action={twoFactorAction}
        hidden={next ? { next } : {}}
        fields={[{ name: "code", label: "Code", autoComplete: "one-time-code" }]}
        submit="Verify"
        pending="Verifying…"
      />
    </AuthCard>
  );
}
