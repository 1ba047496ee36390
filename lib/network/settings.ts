// The operator's network settings (one row): SDN zone or the bridge fallback, the tag range, the
// address pool cut into customer subnets, the range VMs get addresses from, nameservers and the
// management networks no VM may reach. Validated field by field (I10); what decides where existing
// customers' networks are cannot change while any VM holds an address; every save is audited.
import { z } from "zod";
import { recordAudit } from "@/lib/audit/record-audit";
import { db } from "@/lib/db";
import { FieldError } from "@/lib/errors";
import type { NetworkSettings } from "@/lib/generated/prisma/client";
import { contains, ipToInt, isPrivateRange, overlaps, parseCidr } from "@/lib/network/addressing";

export const SETTINGS_ID = "cluster";

const blankToNull = (v: unknown) => (typeof v === "string" && v.trim() === "" ? null : v);
const optionalInt = z.preprocess(blankToNull, z.coerce.number({ message: "Enter a whole number." }).int("Enter a whole number.").nullable());
const cidrText = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => parseCidr(v) !== null, `Enter ${what} as a network address with its prefix, e.g. 10.240.0.0/16.`);
const ipList = (what: string, max: number) =>
  z
    .string()
    .trim()
    .transform((v) => v.split(/[\s,]+/).filter(Boolean))
    .refine((list) => list.length >= 1 && list.length <= max, `Enter 1 to ${max} ${what}.`);

export const networkSettingsSchema = z
  .object({
    mode: z.enum(["sdn", "bridge"], { message: "Choose SDN or the bridge fallback." }),
    sdnZone: z
      .string()
      .trim()
      .regex(/^[a-zA-Z][a-zA-Z0-9]{0,6}[a-zA-Z0-9]$/, "A Proxmox SDN zone id: 2 to 8 letters and digits, starting with a letter."),
    sdnZoneType: z.enum(["simple", "vlan", "vxlan"], { message: "Choose the zone's type as Proxmox shows it." }),
    tagMin: optionalInt,
    tagMax: optionalInt,
    addressPool: cidrText("the pool").refine(
      (v) => isPrivateRange(parseCidr(v) ?? { network: 0, prefix: 0, size: 0 }),
      "Use a private range (10/8, 172.16/12, 192.168/16, 100.64/10).",
    ),
    subnetPrefix: z.coerce.number({ message: "Enter a prefix length." }).int("Enter a whole number.").min(16, "At least /16.").max(29, "At most /29."),
    hostFirst: z.coerce.number({ message: "Enter a host number." }).int("Enter a whole number.").min(2, "Host 1 is the gateway: start at 2 or later."),
    hostLast: z.coerce.number({ message: "Enter a host number." }).int("Enter a whole number.").min(2, "Enter a host number of 2 or more."),
    bridge: z
      .string()
      .trim()
      .regex(/^[a-zA-Z][a-zA-Z0-9_.-]{0,14}$/, "A Linux bridge name, e.g. vmbr0."),
    bridgeSubnet: z.preprocess(blankToNull, cidrText("the bridge's subnet").nullable()),
    bridgeGateway: z.preprocess(
      blankToNull,
      z
        .string()
        .trim()
        .refine((v) => ipToInt(v) !== null, "Enter an IPv4 address.")
        .nullable(),
    ),
    nameservers: ipList("nameserver addresses", 3).refine((l) => l.every((ip) => ipToInt(ip) !== null), "Nameservers are IPv4 addresses."),
    managementCidrs: ipList("management networks", 10).refine(
      (l) => l.every((c) => parseCidr(c) !== null),
      "Each management network is a CIDR, e.g. 192.168.1.0/24.",
    ),
  })
  .superRefine((v, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
    const pool = parseCidr(v.addressPool);
    if (pool && v.subnetPrefix < pool.prefix) issue("subnetPrefix", `Customer subnets must be inside the pool: /${pool.prefix} or longer.`);
    const hosts = 2 ** (32 - v.subnetPrefix) - 2;
    if (v.hostLast > hosts) issue("hostLast", `A /${v.subnetPrefix} has hosts 1 to ${hosts}.`);
    if (v.hostLast < v.hostFirst) issue("hostLast", "The last host comes after the first.");
    const tagged = v.sdnZoneType !== "simple";
    if (v.mode === "sdn" && tagged) {
      const max = v.sdnZoneType === "vlan" ? 4094 : 16777215;
      if (v.tagMin === null) issue("tagMin", `A ${v.sdnZoneType.toUpperCase()} zone needs a tag range.`);
      else if (v.tagMin < 1 || v.tagMin > max) issue("tagMin", `Tags run from 1 to ${max}.`);
      if (v.tagMax === null) issue("tagMax", `A ${v.sdnZoneType.toUpperCase()} zone needs a tag range.`);
      else if (v.tagMax > max) issue("tagMax", `Tags run from 1 to ${max}.`);
      else if (v.tagMin !== null && v.tagMax < v.tagMin) issue("tagMax", "The last tag comes after the first.");
    }
    if (v.mode === "sdn" && !tagged && (v.tagMin !== null || v.tagMax !== null)) issue("tagMin", "A Simple zone has no tags: leave the range empty.");
    if (v.mode === "bridge") {
      const subnet = v.bridgeSubnet ? parseCidr(v.bridgeSubnet) : null;
      if (!v.bridgeSubnet) issue("bridgeSubnet", "The bridge fallback needs the bridge's subnet.");
      if (!v.bridgeGateway) issue("bridgeGateway", "The bridge fallback needs the bridge's gateway.");
      else if (subnet && !contains(subnet, ipToInt(v.bridgeGateway) ?? -1)) issue("bridgeGateway", "The gateway must be inside the bridge's subnet.");
      if (subnet && 2 ** (32 - subnet.prefix) - 2 < v.hostLast)
        issue("hostLast", `The bridge's /${subnet.prefix} has hosts 1 to ${2 ** (32 - subnet.prefix) - 2}.`);
      if (subnet && pool && overlaps(subnet, pool)) issue("bridgeSubnet", "The bridge's subnet overlaps the customer pool.");
    }
    const bridge = v.mode === "bridge" && v.bridgeSubnet ? parseCidr(v.bridgeSubnet) : null;
    for (const c of v.managementCidrs) {
      const m = parseCidr(c);
      if (m && pool && overlaps(m, pool)) issue("managementCidrs", `${c} overlaps the customer pool.`);
      // On the shared bridge the nodes are neighbours: name them, not the subnet the VMs live in.
      if (m && bridge && overlaps(m, { network: bridge.network + v.hostFirst, prefix: 32, size: v.hostLast - v.hostFirst + 1 }))
        issue("managementCidrs", `${c} covers the VMs' addresses on the bridge: list the nodes' own addresses (e.g. 192.168.1.11/32).`);
    }
  });

export type NetworkSettingsInput = z.output<typeof networkSettingsSchema>;

/** The settings, or null when the operator never saved any (provisioning then refuses, loudly). */
export function loadNetworkSettings(): Promise<NetworkSettings | null> {
  return db.networkSettings.findUnique({ where: { id: SETTINGS_ID } });
}

// What places existing customers' VMs: changing it would strand them on a layout that is gone.
const LAYOUT = ["mode", "sdnZone", "sdnZoneType", "tagMin", "tagMax", "addressPool", "subnetPrefix", "bridge", "bridgeSubnet", "bridgeGateway"] as const;

const toRow = (input: NetworkSettingsInput) => ({
  ...input,
  tagMin: input.mode === "sdn" && input.sdnZoneType !== "simple" ? input.tagMin : null,
  tagMax: input.mode === "sdn" && input.sdnZoneType !== "simple" ? input.tagMax : null,
  nameservers: input.nameservers.join(" "),
  managementCidrs: input.managementCidrs.join(" "),
});

export async function saveNetworkSettings(input: NetworkSettingsInput, adminId: string): Promise<NetworkSettings> {
  const data = toRow(input);
  return db.$transaction(async (tx) => {
    const before = await tx.networkSettings.findUnique({ where: { id: SETTINGS_ID } });
    const changed = before ? LAYOUT.filter((k) => String(before[k]) !== String(data[k])) : [];
    if (changed.length) {
      const holders = await tx.vm.count({ where: { ipAddress: { not: null } } });
      if (holders > 0)
        throw new FieldError(changed[0]!, `${holders} VM(s) have addresses from the current layout: the zone, tags, pool and mode stay until they are gone.`);
    }
    const after = await tx.networkSettings.upsert({ where: { id: SETTINGS_ID }, create: { id: SETTINGS_ID, ...data }, update: data });
    const { updatedAt: _at, ...previous } = before ?? { updatedAt: null };
    await recordAudit(
      { type: "admin", id: adminId },
      "network.settings_updated",
      { type: "network_settings", id: SETTINGS_ID },
      { before: before ? previous : null, after: data },
      tx,
    );
    return after;
  });
}

/** The settings a fresh install starts with: the Proxmox stand-in's VLAN zone `labvps`. */
export const defaultNetworkSettings = {
  id: SETTINGS_ID,
  mode: "sdn" as const,
  sdnZone: "labvps",
  sdnZoneType: "vlan" as const,
  tagMin: 1000,
  tagMax: 3999,
  addressPool: "10.240.0.0/16",
  subnetPrefix: 24,
  hostFirst: 10,
  hostLast: 250,
};
