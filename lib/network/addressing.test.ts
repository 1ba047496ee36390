import { describe, expect, it } from "vitest";
import { hostAddresses, isPrivateRange, parseCidr, slotCount, slotLayout } from "@/lib/network/addressing";

const layout = { addressPool: "10.240.0.0/16", subnetPrefix: 24, tagMin: 1000, tagMax: 1999, hostFirst: 10, hostLast: 250 };

describe("network slots", () => {
  it("slot n is the n-th subnet of the pool, tag tagMin + n, VNet lv<n>, gateway host 1", () => {
    expect(slotLayout(layout, 0)).toEqual({ slot: 0, vnet: "lv0", tag: 1000, subnet: "10.240.0.0/24", gateway: "10.240.0.1" });
    expect(slotLayout(layout, 255)).toEqual({ slot: 255, vnet: "lv255", tag: 1255, subnet: "10.240.255.0/24", gateway: "10.240.255.1" });
    expect(slotLayout({ ...layout, subnetPrefix: 26, tagMin: null, tagMax: null }, 5)).toMatchObject({
      subnet: "10.240.1.64/26",
      gateway: "10.240.1.65",
      tag: null,
    });
  });

  it("as many slots as subnets, or tags when fewer; none outside", () => {
    expect(slotCount(layout)).toBe(256);
    expect(slotCount({ ...layout, tagMax: 1009 })).toBe(10);
    expect(slotCount({ ...layout, tagMin: null, tagMax: null, subnetPrefix: 28 })).toBe(4096);
    expect(() => slotLayout(layout, 256)).toThrow("no network slot 256");
  });

  it("VM addresses are host numbers hostFirst..hostLast, never the network, gateway or broadcast", () => {
    expect(hostAddresses("10.240.3.0/24", 10, 12)).toEqual(["10.240.3.10", "10.240.3.11", "10.240.3.12"]);
    expect(hostAddresses("10.240.3.0/29", 2, 250)).toEqual(["10.240.3.2", "10.240.3.3", "10.240.3.4", "10.240.3.5", "10.240.3.6"]);
  });

  it("a pool is a network address with its prefix, in a private range", () => {
    expect(parseCidr("10.240.0.1/16")).toBeNull();
    expect(parseCidr("10.240.0.0/33")).toBeNull();
    expect(parseCidr("010.0.0.0/8")).toBeNull();
    expect(isPrivateRange(parseCidr("10.240.0.0/16")!)).toBe(true);
    expect(isPrivateRange(parseCidr("8.8.0.0/16")!)).toBe(false);
    expect(isPrivateRange(parseCidr("172.0.0.0/8")!)).toBe(false);
  });
});
