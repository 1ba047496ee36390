import type { Metadata } from "next";
import { z } from "zod";
import { redirect } from "next/navigation";
import { getUser } from "@/lib/auth/session";
import { safeReturnPath } from "@/lib/auth/return-path";
import { parseSearchParams, returnPathParam, type RawSearchParams } from "@/lib/http/search-params";
import { AuthCard } from "../auth-card";
import { AuthForm } from "../auth-form";
import { signUpAction } from "../actions";

export const metadata: Metadata = { title: "Create an account" };

const searchSchema = z.object({ next: returnPathParam });

export default async function SignUpPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const { next } = parseSearchParams(searchSchema, await searchParams);
  if (await getUser()) redirect(safeReturnPath(next));
  return (
    <AuthCard title="Create your account" intro="One account for all your lab machines and invoices.">
      <AuthForm mode="sign-up" action={signUpAction} next={next} />
    </AuthCard>
  );
}
