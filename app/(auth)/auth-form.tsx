"use client";
import { useActionState } from "react";
import Link from "next/link";
import { Field } from "@/components/forms/field";
import { FormMessage } from "@/components/forms/form-message";
import { SubmitButton } from "@/components/forms/submit-button";
import { idleState, type FormState } from "@/lib/actions/form-state";

type Props = {
  mode: "sign-in" | "sign-up";
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  next?: string;
};

export function AuthForm({ mode, action, next }: Props) {
  const [state, formAction] = useActionState(action, idleState);
  const signUp = mode === "sign-up";
  const query = next ? `?next=${encodeURIComponent(next)}` : "";
  return (
    <form action={formAction} noValidate className="space-y-5">
      <FormMessage state={state} />
      {next ? <input type="hidden" name="next" value={next} /> : null}
      {signUp ? <Field name="name" label="Name" autoComplete="name" state={state} /> : null}
      <Field name="email" label="Email" type="email" autoComplete="email" state={state} />
      <Field
        name="password"
        label="Password"
        type="password"
        autoComplete={signUp ? "new-password" : "current-password"}
        hint={signUp ? "At least 10 characters. A few unrelated words make a strong one." : undefined}
        state={state}
      />
      {signUp ? null : (
        <p className="text-right text-sm">
          <Link href="/forgot-password" className="font-medium text-brand-700 underline-offset-2 hover:underline">
            Forgot password?
          </Link>
        </p>
      )}
      <SubmitButton pendingLabel={signUp ? "Creating account…" : "Signing in…"} className="w-full">
        {signUp ? "Create account" : "Sign in"}
      </SubmitButton>
      <p className="text-center text-sm text-ink-muted">
        {signUp ? "Already have an account? " : "New to Lab VPS? "}
        <Link href={(signUp ? "/sign-in" : "/sign-up") + query} className="font-medium text-brand-700 underline-offset-2 hover:underline">
          {signUp ? "Sign in" : "Create an account"}
        </Link>
      </p>
    </form>
  );
}
