import type { Metadata } from "next";
import { z } from "zod";
import { redirect } from "next/navigation";
import { getUser } from "@/lib/auth/session";
import { safeReturnPath } from "@/lib/auth/return-path";
import { parseSearchParams, returnPathParam, type RawSearchParams } from "@/lib/http/search-params";
import { AuthCard } from "../auth-card";
import { AuthForm } from "../auth-form";
import { signInAction } from "../actions";

export const metadata: Metadata = { title: "Sign in" };

const searchSchema = z.object({ next: returnPathParam });

export default async function SignInPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const { next } = parseSearchParams(searchSchema, await searchParams);
  if (await getUser()) redirect(safeReturnPath(next));
  return (
    <AuthCard title="Sign in" intro="Welcome back. Your labs are where you left them.">
      <AuthForm mode="sign-in" action={signInAction} next={next} />
    </AuthCard>
  );
}
