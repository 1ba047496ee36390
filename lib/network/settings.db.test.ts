// The operator's tenant network settings: every field validated with a field error (I10), saved and
// audited, and what places existing VMs frozen while any VM holds an address.
import { afterAll, describe, expect, it, vi } from "vitest";

vi.mock("server-only", () => ({}));
import { db } from "@/lib/db";
import { fieldErrorsOf } from "@/lib/actions/validated-action";
import { FieldError } from "@/lib/errors";
import { networkSettingsSchema, saveNetworkSettings, SETTINGS_ID } from "@/lib/network/settings";
import { seedCatalog } from "@/lib/catalog/seed-catalog";
import { createVmFixture } from "@/test/fixtures/vm";

const form = {
  mode: "sdn",
  sdnZone: "labvps",
  sdnZoneType: "vlan",
  tagMin: "1000",
  tagMax: "3999",
  addressPool: "10.240.0.0/16",
  subnetPrefix: "24",
  hostFirst: "10",
  hostLast: "250",
  bridge: "vmbr0",
  bridgeSubnet: "",
  bridgeGateway: "",
  nameservers: "1.1.1.1 9.9.9.9",
  managementCidrs: "192.168.100.0/24",
};
const errorsOf = (input: Record<string, string>) => {
  const parsed = networkSettingsSchema.safeParse(input);
  return parsed.success ? {} : fieldErrorsOf(parsed.error);
};

let original: Awaited<ReturnType<typeof db.networkSettings.findUnique>> = null;
const holders: string[] = [];
afterAll(async () => {
  await db.vm.updateMany({ where: { id: { in: holders } }, data: { ipAddress: null } });
  if (original) await db.networkSettings.update({ where: { id: SETTINGS_ID }, data: original });
});

describe("network settings", () => {
  it("I10: each field's problem is named on that field", () => {
    expect(errorsOf(form)).toEqual({});
    expect(errorsOf({ ...form, sdnZone: "zone-1", addressPool: "10.240.0.1/16", subnetPrefix: "12", nameservers: "dns.example" })).toEqual({
      sdnZone: "A Proxmox SDN zone id: 2 to 8 letters and digits, starting with a letter.",
      addressPool: "Enter the pool as a network address with its prefix, e.g. 10.240.0.0/16.",
      subnetPrefix: "At least /16.",
      nameservers: "Nameservers are IPv4 addresses.",
    });
    expect(errorsOf({ ...form, addressPool: "8.8.0.0/16" })).toEqual({ addressPool: "Use a private range (10/8, 172.16/12, 192.168/16, 100.64/10)." });
    expect(errorsOf({ ...form, tagMin: "", tagMax: "5000" })).toEqual({ tagMin: "A VLAN zone needs a tag range.", tagMax: "Tags run from 1 to 4094." });
    expect(errorsOf({ ...form, sdnZoneType: "simple" })).toEqual({ tagMin: "A Simple zone has no tags: leave the range empty." });
    expect(errorsOf({ ...form, hostFirst: "1", hostLast: "300" })).toEqual({
      hostFirst: "Host 1 is the gateway: start at 2 or later.",
      hostLast: "A /24 has hosts 1 to 254.",
    });
    expect(errorsOf({ ...form, managementCidrs: "10.240.5.0/24" })).toEqual({ managementCidrs: "10.240.5.0/24 overlaps the customer pool." });
    expect(errorsOf({ ...form, mode: "bridge", bridgeSubnet: "10.240.9.0/24", bridgeGateway: "192.168.1.1" })).toEqual({
      bridgeGateway: "The gateway must be inside the bridge's subnet.",
      bridgeSubnet: "The bridge's subnet overlaps the customer pool.",
    });
  });

  it("saves and audits; the zone, tags, pool and mode stay put while any VM holds an address", async () => {
    await seedCatalog(db);
    original = await db.networkSettings.findUnique({ where: { id: SETTINGS_ID } });
    const admin = await db.user.create({ data: { email: `net.${Date.now()}@example.test`, name: "Ops", passwordHash: "x", role: "admin" } });
    const parsed = networkSettingsSchema.parse({ ...form, nameservers: "9.9.9.9" });
    expect(await saveNetworkSettings(parsed, admin.id)).toMatchObject({ nameservers: "9.9.9.9", tagMin: 1000 });
    expect(await db.auditEvent.findFirst({ where: { action: "network.settings_updated", actorId: admin.id } })).toMatchObject({
      data: { after: { nameservers: "9.9.9.9" } },
    });

    // A VM holding an address from the current layout.
    const { vm } = await createVmFixture({ status: "running" });
    await db.vm.update({ where: { id: vm.id }, data: { ipAddress: "10.240.255.250" } });
    holders.push(vm.id);
    const moved = networkSettingsSchema.parse({ ...form, addressPool: "10.250.0.0/16" });
    await expect(saveNetworkSettings(moved, admin.id)).rejects.toThrow(FieldError);
    await expect(saveNetworkSettings(moved, admin.id)).rejects.toMatchObject({ field: "addressPool" });
    expect((await db.networkSettings.findUniqueOrThrow({ where: { id: SETTINGS_ID } })).addressPool).toBe("10.240.0.0/16");
  });
});
