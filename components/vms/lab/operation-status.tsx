"use client";
// The latest lab operation in the customer's words. While one is queued or running the page is
// re-rendered from our records (never Proxmox) until it ends.
import { useEffect } from "react";
import { useRouter } from "next/navigation";
import type { OperationView } from "@/lib/vm-operations/lab-view";

const POLL_MS = 1_500;

export function OperationStatus({ operation }: { operation: OperationView | null }) {
  const router = useRouter();
  const active = operation?.active ?? false;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [active, router]);
  if (!operation) return null;
  const tone = operation.status === "failed" ? "text-danger-700" : operation.status === "done" ? "text-success-700" : "text-ink-muted";
  return (
    <p role="status" aria-live="polite" data-testid="operation-status" data-state={operation.status} data-kind={operation.kind} className={`text-sm ${tone}`}>
      {operation.message}
    </p>
  );
}
