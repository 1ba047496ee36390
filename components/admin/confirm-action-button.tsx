"use client";
// An operator action that asks first and says what it does (issue 22, Build 1): the browser's
// confirm() with the consequences in plain words, then the server action; its answer is shown.
import { FormButton } from "@/components/forms/form-button";
import type { FormState } from "@/lib/actions/form-state";

type Props = {
  label: string;
  pendingLabel: string;
  /** Shown before anything happens; Cancel changes nothing. */
  confirmText: string;
  fields: Record<string, string>;
  action: (state: FormState, formData: FormData) => Promise<FormState>;
  danger?: boolean;
  testId?: string;
  /** A destructive action asks a second time, with this text. */
  secondConfirmText?: string;
};

export function ConfirmActionButton({ confirmText, secondConfirmText, danger, ...rest }: Props) {
  const askFirst = secondConfirmText ? [confirmText, secondConfirmText] : [confirmText];
  return <FormButton {...rest} askFirst={askFirst} variant={danger ? "danger" : "secondary"} once />;
}
