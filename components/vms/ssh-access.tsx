import type { CustomerVmView } from "@/lib/vms/vm-view";
import { CopyButton } from "@/components/vms/copy-button";
import { LongValue } from "@/components/ui/long-value";

/**
 * SSH hostname, the ~/.ssh/config block and, for EVE-NG, the web UI address. `words` come from
 * lib/vms/ssh-access.ts connectionWords: they name Cloudflare Access only when the VM has it.
 */
export function SshAccess({ access, words }: { access: NonNullable<CustomerVmView["access"]>; words: string[] }) {
  return (
    <section aria-labelledby="access-heading" className="rounded-card border border-line bg-surface p-card">
      <h2 id="access-heading" className="text-lg font-semibold">
        Connect
      </h2>
      <div className="mt-1 space-y-1 text-sm text-ink-muted" data-testid="connect-words">
        {words.map((w) => (
          <p key={w}>{w}</p>
        ))}
      </div>
      <dl className="mt-4 grid gap-2 text-sm sm:grid-cols-[10rem_1fr]">
        <dt className="text-ink-subtle">SSH hostname</dt>
        <dd className="min-w-0 text-sm text-ink">
          <LongValue value={access.sshHostname} label="SSH hostname" testId="ssh-hostname" />
        </dd>
        {access.eveUrl ? (
          <>
            <dt className="text-ink-subtle">EVE-NG web</dt>
            <dd>
              <a
                href={access.eveUrl}
                className="break-all font-mono text-brand-700 underline-offset-2 hover:underline"
                target="_blank"
                rel="noreferrer"
                data-testid="eve-url"
              >
                {access.eveUrl}
              </a>
            </dd>
          </>
        ) : null}
      </dl>
      <div className="mt-4">
        <div className="flex items-center justify-between">
          <h3 className="text-sm font-medium">~/.ssh/config</h3>
          <CopyButton text={access.sshConfig} label="Copy config" />
        </div>
        <pre
          data-testid="ssh-config"
          tabIndex={0}
          aria-label="~/.ssh/config block"
          className="mt-2 overflow-x-auto rounded-lg bg-surface-dark p-3 font-mono text-xs text-brand-100"
        >
          {access.sshConfig}
        </pre>
      </div>
    </section>
  );
}
