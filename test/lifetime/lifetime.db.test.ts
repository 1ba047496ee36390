// Issue 16's lifetime simulation: customers with 1–3 VMs live months of Stripe time with random
// events (buy monthly and yearly, grow, shrink, cancel and undo, a card that declines then gets
// updated, a failed build, restore during retention, the operator approving deletions), and after
// every step every invariant of ./check.ts is checked from Stripe's, Proxmox's and our own state.
// Two seeds run in CI; any seed replays with LIFETIME_SEEDS=<n> (LIFETIME_CUSTOMERS,
// LIFETIME_MONTHS change the size); `npm run bench:lifetime` runs many customers.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { formatLifetimeReport, runLifetimeSeed, seedsFrom } from "./run-seed";
import { prepareLifetimeCatalog } from "./catalog";
import { startLifetimeWorld, type LifetimeWorld } from "./world";

export const CI_SEEDS = [1616, 2024];
const seeds = seedsFrom(process.env.LIFETIME_SEEDS, CI_SEEDS);
const customers = Number(process.env.LIFETIME_CUSTOMERS ?? 2);
const months = Number(process.env.LIFETIME_MONTHS ?? 14);

let world: LifetimeWorld;
let restoreCatalog: (() => Promise<void>) | undefined;
const say = (line: string) => void process.stdout.write(`${line}\n`);

beforeAll(async () => {
  for (const level of ["info", "warn", "error"] as const) vi.spyOn(console, level).mockImplementation(() => undefined);
  world = await startLifetimeWorld();
  restoreCatalog = await prepareLifetimeCatalog(world);
}, 120_000);

afterAll(async () => {
  await restoreCatalog?.();
  await world?.close();
});

describe("lifetime: customers' whole billing lives on their own Stripe clocks (issue 16)", () => {
  for (const seed of seeds) {
    it(`I6 I11 I12: seed ${seed}, ${customers} customers × ${months} months: each VM follows its own subscription, money follows machines, Stripe's words and amounts`, async () => {
      const report = await runLifetimeSeed(world, seed, { customers, months, concurrency: 2 }, say);
      say(formatLifetimeReport(report));
      expect(report.violations).toEqual([]);
    }, 900_000);
  }
});
