import type { Metadata } from "next";
import { z } from "zod";
import { flagParam, parseSearchParams, searchParam, type RawSearchParams } from "@/lib/http/search-params";
import { ActionForm } from "@/components/forms/action-form";
import { AuthCard } from "../auth-card";
import { confirmEmailChangeAction, verifyEmailAction } from "./actions";

export const metadata: Metadata = { title: "Confirm your email address" };

const searchSchema = z.object({ token: searchParam(z.string().max(100).optional().catch(undefined)), change: flagParam });

// A button, not a GET that confirms: mail scanners open links, a person presses the button.
export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  const { token, change } = parseSearchParams(searchSchema, await searchParams);
  return (
    <AuthCard
      title={change ? "Confirm your new email address" : "Confirm your email address"}
      intro={change ? "Once confirmed, your account uses this address instead of the old one." : "One click and we know this address is yours."}
    >
      <ActionForm
        action={change ? confirmEmailChangeAction : verifyEmailAction}
        hidden={{ token: token ?? "" }}
        submit={change ? "Confirm new address" : "Confirm my email address"}
        pending="Confirming…"
        hideOnSuccess
      />
    </AuthCard>
  );
}
