// Everything a resize of one customer's VM is decided from: the VM (only if it is this user's,
// I5), its plan's limits, its subscription and the operator's unit prices.
import { db } from "@/lib/db";
import type { PlanLimits, Totals, UnitPrice } from "@/lib/resize/resize-pricing";

export type ResizeContext = {
  vm: { id: string; userId: string; name: string; status: string; nodeName: string | null; vmid: number | null } & Totals;
  plan: PlanLimits & { id: string; name: string; currency: string };
  order: { id: string; interval: string; stripeSubscriptionId: string | null };
  prices: (UnitPrice & { id: string })[];
};

/** null when the VM does not exist or is not this user's (callers answer 404). */
export async function loadResizeContext(userId: string, vmId: string): Promise<ResizeContext | null> {
  const vm = await db.vm.findFirst({
    where: { id: vmId, userId },
    select: {
      id: true,
      userId: true,
      name: true,
      status: true,
      nodeName: true,
      vmid: true,
      vcpus: true,
      ramGb: true,
      diskGb: true,
      plan: {
        select: {
          id: true,
          name: true,
          currency: true,
          vcpus: true,
          ramGb: true,
          diskGb: true,
          maxVcpus: true,
          maxRamGb: true,
          maxDiskGb: true,
          monthlyPriceMinor: true,
        },
      },
      order: { select: { id: true, interval: true, stripeSubscriptionId: true } },
    },
  });
  if (!vm) return null;
  const prices = await db.resourcePrice.findMany({ orderBy: { kind: "asc" } });
  const { plan, order, ...rest } = vm;
  return { vm: rest, plan, order, prices };
}

/** Why this VM cannot be resized now (a message for the customer), or null. */
export function resizeRefusal(ctx: ResizeContext): string | null {
  if (ctx.vm.status !== "running" && ctx.vm.status !== "stopped") return "This VM can be resized once it is running or stopped.";
  if (!ctx.order.stripeSubscriptionId) return "This VM has no active subscription to change.";
  if (ctx.order.interval !== "month") return "Resizing is available for monthly plans only.";
  if (ctx.prices.length < 3) return "Resizing is not available yet.";
  return null;
}
