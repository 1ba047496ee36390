import { describe, expect, it } from "vitest";
import { extraDemand, extraUnits, isDowngrade, monthlyPrice } from "@/lib/resize/resize-pricing";

const plan = { vcpus: 2, ramGb: 4, diskGb: 40, maxVcpus: 4, maxRamGb: 8, maxDiskGb: 100, monthlyPriceMinor: 2900 };
const prices = [
  { kind: "vcpu" as const, unitAmountMinor: 400, stepGb: 1 },
  { kind: "ram_gb" as const, unitAmountMinor: 150, stepGb: 1 },
  { kind: "disk_gb" as const, unitAmountMinor: 100, stepGb: 10 },
];

describe("resize pricing", () => {
  it("counts extra units above the plan, disk in its steps", () => {
    const target = { vcpus: 4, ramGb: 8, diskGb: 60 };
    expect(prices.map((p) => extraUnits(plan, target, p))).toEqual([2, 4, 2]);
    expect(monthlyPrice(plan, target, prices)).toBe(2900 + 800 + 600 + 200);
    expect(monthlyPrice(plan, plan, prices)).toBe(2900);
  });

  it("only increases take room on the node; less CPU or RAM is a downgrade", () => {
    expect(extraDemand({ vcpus: 4, ramGb: 8, diskGb: 40 }, { vcpus: 3, ramGb: 10, diskGb: 50 })).toEqual({ vcpus: 0, ramGb: 2, diskGb: 10 });
    expect(isDowngrade({ vcpus: 4, ramGb: 8, diskGb: 40 }, { vcpus: 3, ramGb: 10, diskGb: 50 })).toBe(true);
    expect(isDowngrade({ vcpus: 2, ramGb: 4, diskGb: 40 }, { vcpus: 2, ramGb: 4, diskGb: 50 })).toBe(false);
  });
});
