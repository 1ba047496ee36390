"use client";
// The one way a page follows work in progress (an order being built, a power action, a resize, and
// later snapshots and backups): poll an owner-checked status route (lib/http/with-user.ts)
// while the view says the work is active, stop when it is not, and refresh the server-rendered
// page whenever what it shows changed. A hidden tab skips its polls; a network blip is retried
// with a growing pause; a 401 (signed out meanwhile) or a 404 (gone) stops. Following has a time limit:
// after it the caller shows a way forward (reload, or leave and come back) instead of spinning on.
import { useEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";

export type FollowOptions<T> = {
  /** Whether the work is still moving by itself. */
  isActive: (view: T) => boolean;
  /** A change of this key refreshes the server-rendered page (router.refresh()). */
  changeKey?: (view: T) => string;
  intervalMs?: number;
  /** Stop following after this long (default 15 minutes). */
  maxMs?: number;
};

export type Followed<T> = {
  view: T;
  /** Following stopped before the work finished (time limit or the route went away). */
  gaveUp: boolean;
  /** Following for longer than a minute: say that the page may be left. */
  slow: boolean;
};

const SLOW_MS = 60_000;

export function useFollow<T>(url: string, initial: T, options: FollowOptions<T>): Followed<T> {
  const router = useRouter();
  const [view, setView] = useState(initial);
  const [seenInitial, setSeenInitial] = useState(initial);
  const [gaveUp, setGaveUp] = useState(false);
  const [slow, setSlow] = useState(false);
  const [round, setRound] = useState(0);
  // A server re-render hands down a new initial view: it is the newest truth (and following resumes).
  if (initial !== seenInitial) {
    setSeenInitial(initial);
    setView(initial);
    setGaveUp(false);
    setRound(round + 1);
  }
  const opts = useRef(options);
  useEffect(() => {
    opts.current = options;
  });
  const active = options.isActive(view);
  const key = options.changeKey?.(view) ?? "";
  const lastKey = useRef(key);

  useEffect(() => {
    if (!options.changeKey || key === lastKey.current) return;
    lastKey.current = key;
    router.refresh();
  }, [key, options.changeKey, router]);

  useEffect(() => {
    if (!active) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout>;
    const started = Date.now();
    const { intervalMs = 1_500, maxMs = 15 * 60_000 } = opts.current;
    let pause = intervalMs;
    const slowTimer = setTimeout(() => !cancelled && setSlow(true), SLOW_MS);
    const tick = async () => {
      if (cancelled) return;
      if (Date.now() - started > maxMs) return setGaveUp(true);
      if (!document.hidden) {
        try {
          const response = await fetch(url, { cache: "no-store" });
          if (cancelled) return;
          if (response.status === 404 || response.status === 401) return setGaveUp(true);
          if (response.ok) {
            setView((await response.json()) as T);
            pause = intervalMs;
          } else pause = Math.min(pause * 2, 10_000);
        } catch {
          pause = Math.min(pause * 2, 10_000); // offline for a moment: try again a little later
        }
      }
      if (!cancelled) timer = setTimeout(tick, pause);
    };
    timer = setTimeout(tick, intervalMs);
    return () => {
      cancelled = true;
      clearTimeout(timer);
      clearTimeout(slowTimer);
      setSlow(false);
    };
  }, [active, url, round]);

  return { view, gaveUp, slow };
}
