import { describe, expect, it } from "vitest";
import { availability, chooseNode, effectiveCapacity, loadOf, placeDemand, toPercent, type Demand, type NodeCapacity } from "./capacity-math";

const node = (name: string, over: Partial<NodeCapacity> = {}): NodeCapacity => ({
  id: `id-${name}`,
  name,
  capacity: { vcpus: 16, ramGb: 64, diskGb: 1000 },
  overcommitPercent: { vcpus: 100, ramGb: 100, diskGb: 100 },
  labTypes: ["eve", "containerlab"],
  committed: { vcpus: 0, ramGb: 0, diskGb: 0 },
  ...over,
});
const plan = (vcpus: number, ramGb: number, diskGb: number, labType: Demand["labType"] = "eve"): Demand => ({ vcpus, ramGb, diskGb, labType });

describe("capacity math", () => {
  it("turns Decimal-like ratios into exact hundredths", () => {
    expect(toPercent("1.50")).toBe(150);
    expect(toPercent(2)).toBe(200);
    expect(toPercent({ toString: () => "1.1" })).toBe(110);
  });

  it("sells capacity × overcommit, rounded down to whole units", () => {
    expect(effectiveCapacity(node("a", { overcommitPercent: { vcpus: 150, ramGb: 100, diskGb: 110 } }))).toEqual({ vcpus: 24, ramGb: 64, diskGb: 1100 });
    expect(effectiveCapacity(node("a", { capacity: { vcpus: 7, ramGb: 3, diskGb: 10 }, overcommitPercent: { vcpus: 150, ramGb: 150, diskGb: 100 } }))).toEqual({
      vcpus: 10,
      ramGb: 4,
      diskGb: 10,
    });
  });

  it("overcommit decides whether a plan fits: 16 vCPU × 1.5 holds 20 committed + 4 more", () => {
    const busy = { committed: { vcpus: 20, ramGb: 10, diskGb: 100 } };
    expect(chooseNode([node("a", busy)], [], plan(4, 8, 100))).toBeNull();
    const overcommitted = node("a", { ...busy, overcommitPercent: { vcpus: 150, ramGb: 100, diskGb: 100 } });
    expect(chooseNode([overcommitted], [], plan(4, 8, 100))?.name).toBe("a");
    expect(chooseNode([overcommitted], [], plan(5, 8, 100))).toBeNull(); // 25 > 24
  });

  it("every dimension must fit: RAM or disk alone can make a node full", () => {
    expect(chooseNode([node("a", { committed: { vcpus: 0, ramGb: 60, diskGb: 0 } })], [], plan(1, 8, 10))).toBeNull();
    expect(chooseNode([node("a", { committed: { vcpus: 0, ramGb: 0, diskGb: 950 } })], [], plan(1, 1, 60))).toBeNull();
    expect(chooseNode([node("a", { committed: { vcpus: 12, ramGb: 56, diskGb: 900 } })], [], plan(4, 8, 100))?.name).toBe("a"); // exactly full
  });

  it("picks the least-loaded node (by its scarcest resource), ties by name", () => {
    const a = node("a", { committed: { vcpus: 2, ramGb: 48, diskGb: 0 } }); // RAM 75 %
    const b = node("b", { committed: { vcpus: 8, ramGb: 8, diskGb: 0 } }); // CPU 50 %
    expect(loadOf(a, a.committed)).toBe(0.75);
    expect(chooseNode([a, b], [], plan(2, 8, 10))?.name).toBe("b");
    expect(chooseNode([node("d"), node("c")], [], plan(2, 8, 10))?.name).toBe("c");
  });

  it("skips nodes without a template for the plan's lab type", () => {
    const clabOnly = node("a", { labTypes: ["containerlab"] });
    expect(chooseNode([clabOnly], [], plan(1, 1, 1, "eve"))).toBeNull();
    expect(chooseNode([clabOnly], [], plan(1, 1, 1, "containerlab"))?.name).toBe("a");
  });

  it("counts in-flight orders against the nodes they will land on", () => {
    const nodes = [node("a")];
    const eve = plan(8, 32, 100);
    expect(chooseNode(nodes, [], eve)?.name).toBe("a");
    expect(chooseNode(nodes, [eve], eve)?.name).toBe("a"); // room for a second
    expect(chooseNode(nodes, [eve, eve], eve)).toBeNull(); // two checkouts in flight take the node
  });

  it("places in-flight demand like provisioning does: least loaded first, spreading across nodes", () => {
    const nodes = [node("a"), node("b")];
    const used = placeDemand(nodes, [plan(8, 8, 10), plan(8, 8, 10), plan(4, 4, 10)]);
    expect(used.get("id-a")).toEqual({ vcpus: 12, ramGb: 12, diskGb: 20 });
    expect(used.get("id-b")).toEqual({ vcpus: 8, ramGb: 8, diskGb: 10 });
    expect(chooseNode(nodes, [plan(16, 8, 10), plan(16, 8, 10)], plan(1, 1, 1))).toBeNull();
  });

  it("leaves out in-flight demand no node can hold (provisioning fails it anyway)", () => {
    expect(chooseNode([node("a")], [plan(100, 1, 1)], plan(16, 64, 1000))?.name).toBe("a");
  });

  it("a zero-capacity dimension holds nothing", () => {
    const noDisk = node("a", { capacity: { vcpus: 16, ramGb: 64, diskGb: 0 } });
    expect(chooseNode([noDisk], [], plan(1, 1, 1))).toBeNull();
    expect(loadOf(noDisk, { vcpus: 0, ramGb: 0, diskGb: 1 })).toBe(Infinity);
  });

  it("answers availability per plan from one placement", () => {
    const nodes = [node("a", { committed: { vcpus: 12, ramGb: 16, diskGb: 100 } })];
    expect(availability(nodes, [plan(2, 8, 10)], [plan(2, 8, 10), plan(4, 8, 10), plan(1, 1, 1, "containerlab")])).toEqual([true, false, true]);
    expect(availability([], [], [plan(1, 1, 1)])).toEqual([false]);
  });
});
