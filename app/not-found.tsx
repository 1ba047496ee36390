import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto max-w-form px-gutter py-section text-center">
      <p className="font-mono text-sm text-ink-subtle">404</p>
      <h1 className="mt-2 text-2xl font-bold">Page not found</h1>
      <p className="mt-2 text-ink-muted">The page you asked for does not exist or is not yours.</p>
      <Link href="/" className="mt-6 inline-block font-medium text-brand-700 hover:underline">
        Go home
      </Link>
    </div>
  );
}
