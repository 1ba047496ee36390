// Pure resize arithmetic: which totals a plan allows, how many extra units of each resource they
// are, and what the VM then costs a month. No database, no Stripe: unit-tested.
import { z } from "zod";
import type { ResourceKind } from "@/lib/generated/prisma/enums";

export type Totals = { vcpus: number; ramGb: number; diskGb: number };
export type PlanLimits = Totals & { maxVcpus: number | null; maxRamGb: number | null; maxDiskGb: number | null; monthlyPriceMinor: number };
export type UnitPrice = { kind: ResourceKind; unitAmountMinor: number; stepGb: number };

export const RESOURCE_KINDS = ["vcpu", "ram_gb", "disk_gb"] as const satisfies readonly ResourceKind[];
const totalKey: Record<ResourceKind, keyof Totals> = { vcpu: "vcpus", ram_gb: "ramGb", disk_gb: "diskGb" };

/** Extra units of `kind` above the plan for `totals` (disk counts steps of `stepGb`). */
export function extraUnits(plan: Totals, totals: Totals, price: Pick<UnitPrice, "kind" | "stepGb">): number {
  const extra = totals[totalKey[price.kind]] - plan[totalKey[price.kind]];
  return price.kind === "disk_gb" ? Math.ceil(extra / price.stepGb) : extra;
}

/** The monthly price of a VM of `totals` on `plan`, minor units. */
export function monthlyPrice(plan: PlanLimits, totals: Totals, prices: readonly UnitPrice[]): number {
  return prices.reduce((sum, price) => sum + price.unitAmountMinor * Math.max(0, extraUnits(plan, totals, price)), plan.monthlyPriceMinor);
}

const whole = (label: string) =>
  z.coerce
    .number({ error: `Enter the ${label} as a whole number.` })
    .int(`Enter the ${label} as a whole number.`)
    .positive(`Enter the ${label} as a whole number.`);

/**
 * The form's schema for one VM: CPU and RAM between the plan's size and its maximum, disk from the
 * VM's current size up (shrinking a disk is refused, as Proxmox refuses it), in the disk's steps.
 */
export function resizeTotalsSchema(plan: PlanLimits, current: Totals, diskStepGb: number) {
  const maxVcpus = plan.maxVcpus ?? plan.vcpus;
  const maxRamGb = plan.maxRamGb ?? plan.ramGb;
  const maxDiskGb = Math.max(plan.maxDiskGb ?? plan.diskGb, current.diskGb);
  return z
    .object({
      vcpus: whole("number of vCPUs").min(plan.vcpus, `Your plan starts at ${plan.vcpus} vCPUs.`).max(maxVcpus, `Your plan allows at most ${maxVcpus} vCPUs.`),
      ramGb: whole("RAM in GB")
        .min(plan.ramGb, `Your plan starts at ${plan.ramGb} GB of RAM.`)
        .max(maxRamGb, `Your plan allows at most ${maxRamGb} GB of RAM.`),
      diskGb: whole("disk in GB")
        .min(current.diskGb, `A disk can only grow: it is ${current.diskGb} GB now and cannot be made smaller.`)
        .max(maxDiskGb, `Your plan allows at most ${maxDiskGb} GB of disk.`)
        .refine((gb) => gb === current.diskGb || (gb - plan.diskGb) % diskStepGb === 0, `Disk grows in steps of ${diskStepGb} GB.`),
    })
    .refine((t) => t.vcpus !== current.vcpus || t.ramGb !== current.ramGb || t.diskGb !== current.diskGb, {
      message: "Choose a size different from the current one.",
      path: ["vcpus"],
    });
}

/** What the change adds on the node: only increases take room. */
export function extraDemand(current: Totals, target: Totals): Totals {
  return {
    vcpus: Math.max(0, target.vcpus - current.vcpus),
    ramGb: Math.max(0, target.ramGb - current.ramGb),
    diskGb: Math.max(0, target.diskGb - current.diskGb),
  };
}

/** Less CPU or RAM than now: Stripe would credit it, so it waits for the renewal (a schedule). */
export const isDowngrade = (current: Totals, target: Totals) => target.vcpus < current.vcpus || target.ramGb < current.ramGb;

/** More of anything than now (charged at once, so never mixed with a downgrade in one request). */
export const isGrowth = (current: Totals, target: Totals) => target.vcpus > current.vcpus || target.ramGb > current.ramGb || target.diskGb > current.diskGb;
