import { db } from "@/lib/db";

export type PlanSummary = Awaited<ReturnType<typeof listActivePlans>>[number];

/** Plans a customer can buy, in catalogue order. */
export function listActivePlans() {
  return db.plan.findMany({
    where: { active: true },
    orderBy: [{ sortOrder: "asc" }, { monthlyPriceMinor: "asc" }],
    select: {
      id: true,
      slug: true,
      name: true,
      description: true,
      labType: true,
      vcpus: true,
      ramGb: true,
      diskGb: true,
      monthlyPriceMinor: true,
      yearlyPriceMinor: true,
      currency: true,
    },
  });
}

export const labTypeLabel = { eve: "EVE-NG", containerlab: "Containerlab" } as const;
