"use client";
import { useFormStatus } from "react-dom";
import { buttonStyles } from "@/components/ui/button-styles";

export function SubmitButton({ children, pendingLabel, className = "" }: { children: React.ReactNode; pendingLabel: string; className?: string }) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending} aria-disabled={pending} className={`${buttonStyles.primary} ${className}`}>
      {pending ? pendingLabel : children}
    </button>
  );
}
