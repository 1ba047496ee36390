// Checking capacity and recording the order that uses it must not interleave between two
// checkouts, or both could take the last slot. A transaction-scoped advisory lock serialises just
// that section (a few milliseconds, no network calls inside) across every app process.
import { db } from "@/lib/db";

export type CapacityTx = Parameters<Parameters<typeof db.$transaction>[0]>[0];

export async function withCapacityLock<T>(work: (tx: CapacityTx) => Promise<T>): Promise<T> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('labvps:capacity'))`;
    return work(tx);
  });
}
