import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getUser } from "@/lib/auth/session";
import { safeReturnPath } from "@/lib/auth/return-path";
import { AuthCard } from "../auth-card";
import { AuthForm } from "../auth-form";
import { signInAction } from "../actions";

export const metadata: Metadata = { title: "Sign in" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  if (await getUser()) redirect(safeReturnPath(next));
  return (
    <AuthCard title="Sign in" intro="Welcome back. Your labs are where you left them.">
      <AuthForm mode="sign-in" action={signInAction} next={next} />
    </AuthCard>
  );
}
