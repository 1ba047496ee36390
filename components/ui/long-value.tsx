import { CopyButton } from "@/components/vms/copy-button";

/**
 * A long machine value (fingerprint, hostname, id) that wraps at any character instead of pushing
 * the page wider than a phone, with a copy button so nobody has to select it by hand.
 */
export function LongValue({ value, label, prefix, testId }: { value: string; label: string; prefix?: string; testId?: string }) {
  return (
    <span className="flex min-w-0 items-start gap-2">
      <span className="min-w-0 flex-1 break-all font-mono text-xs text-ink-subtle">
        {prefix}
        <span data-testid={testId}>{value}</span>
      </span>
      <CopyButton text={value} label="Copy" ariaLabel={`Copy ${label}`} />
    </span>
  );
}
