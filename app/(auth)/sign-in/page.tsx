import type { Metadata } from "next";
import { z } from "zod";
import { redirect } from "next/navigation";
import { getUser } from "@/lib/auth/session";
import { safeReturnPath } from "@/lib/auth/return-path";
import { flagParam, parseSearchParams, returnPathParam, type RawSearchParams } from "@/lib/http/search-params";
import { AuthCard } from "../auth-card";
import { AuthForm } from "../auth-form";
import { signInAction } from "../actions";

export const metadata: Metadata = { title: "Sign in" };

const searchSchema = z.object({ next: returnPathParam, reset: flagParam });

export default async function SignInPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const { next, reset } = parseSearchParams(searchSchema, await searchParams);
  if (await getUser()) redirect(safeReturnPath(next));
  return (
    <AuthCard title="Sign in" intro="Welcome back. Your labs are where you left them.">
      {reset ? (
        <p role="status" className="mb-4 rounded-lg border border-success-600/30 bg-success-50 px-3 py-2 text-sm text-success-700">
          Your password was changed and every browser was signed out. Sign in with your new password.
        </p>
      ) : null}
      <AuthForm mode="sign-in" action={signInAction} next={next} />
    </AuthCard>
  );
}
