"use client";
import { useState } from "react";
import { buttonStyles } from "@/components/ui/button-styles";

/** Copies `text` to the clipboard and says so for a moment (announced to screen readers). */
export function CopyButton({ text, label = "Copy", ariaLabel }: { text: string; label?: string; ariaLabel?: string }) {
  const [copied, setCopied] = useState<"idle" | "done" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setCopied("done");
    } catch {
      // Clipboard access needs a secure context or permission; the text stays selectable.
      setCopied("failed");
    }
    setTimeout(() => setCopied("idle"), 2000);
  }
  return (
    <button
      type="button"
      onClick={copy}
      aria-label={copied === "idle" ? ariaLabel : undefined}
      className={`${buttonStyles.secondary} shrink-0 px-3 py-1.5 text-xs`}
    >
      <span aria-live="polite">{copied === "done" ? "Copied" : copied === "failed" ? "Select and copy" : label}</span>
    </button>
  );
}
