export function SiteFooter() {
  return (
    <footer className="border-t border-line bg-surface">
      <div className="mx-auto flex max-w-content flex-col gap-2 px-gutter py-8 text-sm text-ink-subtle sm:flex-row sm:justify-between">
        <p>Lab VPS — long-running EVE-NG and Containerlab machines.</p>
        <p>Billed monthly through Stripe. Cancel any time.</p>
      </div>
    </footer>
  );
}
