import Link from "next/link";

export default function Forbidden() {
  return (
    <div className="mx-auto max-w-form px-gutter py-section text-center">
      <p className="font-mono text-sm text-ink-subtle">403</p>
      <h1 className="mt-2 text-2xl font-bold">This area is for operators</h1>
      <p className="mt-2 text-ink-muted">Your account does not have access to this page.</p>
      <Link href="/dashboard" className="mt-6 inline-block font-medium text-brand-700 hover:underline">
        Back to your dashboard
      </Link>
    </div>
  );
}
