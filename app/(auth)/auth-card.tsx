export function AuthCard({ title, intro, children }: { title: string; intro: string; children: React.ReactNode }) {
  return (
    <div className="mx-auto w-full max-w-form px-gutter py-section">
      <div className="rounded-card border border-line bg-surface p-card shadow-card">
        <h1 className="text-2xl font-bold tracking-tight">{title}</h1>
        <p className="mb-6 mt-1 text-sm text-ink-muted">{intro}</p>
        {children}
      </div>
    </div>
  );
}
