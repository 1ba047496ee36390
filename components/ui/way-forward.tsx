"use client";
// What a page says while it follows work that takes long (useFollow): never a spinner without a
// way on — after a minute, that the page may be left; once following stopped, how to look again.
import { useRouter } from "next/navigation";

export function WayForward({ active, slow, gaveUp }: { active: boolean; slow: boolean; gaveUp: boolean }) {
  const router = useRouter();
  if (gaveUp && active) {
    return (
      <p role="status" className="text-sm text-ink-muted" data-testid="follow-stopped">
        We stopped checking for updates on this page.{" "}
        <button type="button" className="text-brand-700 underline" onClick={() => router.refresh()}>
          Check again
        </button>
      </p>
    );
  }
  if (slow && active) {
    return (
      <p role="status" className="text-sm text-ink-muted" data-testid="follow-slow">
        This is taking a little longer than usual. You can leave this page: the work goes on without it, and the page shows the result when you come back.
      </p>
    );
  }
  return null;
}
