// The SDN configuration as pve-network keeps it: three section-config files (zones.cfg, vnets.cfg,
// subnets.cfg) that API writes change at once — the *pending* configuration — and a running
// configuration that only `PUT /cluster/sdn` replaces (commit_config), after which the
// `reloadnetworkall` task makes each node generate its bridges (Zones::status: a node whose
// generated version is older shows the zone "pending"). A VNet's bridge exists on a node only
// once that node has generated a configuration with it; a guest on a bridge that does not exist
// fails to start ("bridge 'x' does not exist", pve-common PVE::Network).
import { createHash } from "node:crypto";
import type { ZoneType } from "./sdn-schema";

export type SectionValue = string | number | string[];
export type Section = Record<string, SectionValue>;
export interface SdnFiles {
  zones: Record<string, Section>;
  vnets: Record<string, Section>;
  subnets: Record<string, Section>;
}
export type SdnKind = keyof SdnFiles;
/** An object in the `?pending=1` view: the running values, `state`, and the `pending` ones. */
export type PendingSection = Record<string, SectionValue | Section | undefined> & { state?: string; pending?: Section };

export interface InitialZone {
  zone: string;
  type: ZoneType;
  bridge?: string;
  ipam?: string;
  nodes?: string;
  peers?: string;
  dhcp?: string;
  /** Sim only: the operator's router gives this VLAN/VXLAN zone's subnets their gateway (and NAT). */
  uplink?: boolean;
}

export interface SdnOptions {
  /** false: libpve-network-perl is not installed, `/cluster/sdn` answers 501 (pve-manager's $have_sdn). */
  enabled: boolean;
  zones: InitialZone[];
}

const clone = (files: SdnFiles): SdnFiles => JSON.parse(JSON.stringify(files));
const empty = (): SdnFiles => ({ zones: {}, vnets: {}, subnets: {} });

/** `<zone>-<ip>-<mask>` → its parts (Subnets::sdn_subnets_config). */
export function parseSubnetId(id: string): { zone: string; cidr: string; network: string; mask: number } {
  const [zone = "", network = "", mask = ""] = id.split("-");
  return { zone, cidr: `${network}/${mask}`, network, mask: Number(mask) };
}

export class Sdn {
  enabled = true;
  files: SdnFiles = empty();
  running: { version: number; files: SdnFiles } | null = null;
  /** What each node last generated (its /etc/network/interfaces.d/sdn), by running-config version. */
  readonly generated = new Map<string, { version: number; files: SdnFiles }>();
  /** Zones whose VLANs/VNIs the operator's router serves (gateway + NAT); sim-only knowledge. */
  readonly uplinks = new Set<string>();
  private version = 0;

  constructor(
    private readonly nodes: () => string[],
    private readonly initial: SdnOptions,
  ) {
    this.reset();
  }

  /** Back to the operator's prepared cluster: the initial zones, applied on every node. */
  reset() {
    this.enabled = this.initial.enabled;
    this.files = empty();
    this.uplinks.clear();
    for (const z of this.initial.zones) {
      const { zone, uplink, ...section } = z;
      this.files.zones[zone] = Object.fromEntries(Object.entries(section).filter(([, v]) => v !== undefined)) as Section;
      if (uplink ?? (z.type === "vlan" || z.type === "vxlan")) this.uplinks.add(zone);
    }
    this.running = null;
    this.generated.clear();
    this.version = 0;
    if (this.initial.zones.length) {
      this.commit();
      for (const node of this.nodes()) this.generate(node);
    }
  }

  /** SectionConfig's digest: the SHA-1 of the file's content. */
  digest(kind: SdnKind): string {
    return createHash("sha1").update(JSON.stringify(this.files[kind])).digest("hex");
  }

  /** commit_config: the running configuration becomes the current files, with a new version. */
  commit(): number {
    this.version += 1;
    this.running = { version: this.version, files: clone(this.files) };
    return this.version;
  }

  /** One node's part of `reloadnetworkall`: it generates what is running now. */
  generate(node: string) {
    if (this.running) this.generated.set(node, { version: this.running.version, files: clone(this.running.files) });
  }

  source(which: "current" | "running"): SdnFiles {
    return which === "running" ? (this.running?.files ?? empty()) : this.files;
  }

  /** What `?pending=1` lists (PVE::Network::SDN::pending_config): every object with its state. */
  pendingView(kind: SdnKind): Record<string, PendingSection> {
    const running = this.source("running")[kind];
    const current = this.files[kind];
    const out: Record<string, PendingSection> = {};
    for (const id of new Set([...Object.keys(running), ...Object.keys(current)])) {
      const r = running[id];
      const c = current[id];
      if (r && !c) {
        out[id] = { ...r, state: "deleted" };
        continue;
      }
      if (!r) {
        out[id] = { state: "new", pending: { ...c } };
        continue;
      }
      const pending: Section = {};
      for (const key of new Set([...Object.keys(r), ...Object.keys(c)])) {
        if (JSON.stringify(r[key]) !== JSON.stringify(c[key])) pending[key] = c[key] ?? "deleted";
      }
      out[id] = Object.keys(pending).length ? { ...r, state: "changed", pending } : { ...r };
    }
    return out;
  }

  hasPendingChanges(): boolean {
    return (["zones", "vnets", "subnets"] as const).some((k) => Object.values(this.pendingView(k)).some((o) => o.state));
  }

  zoneNodes(zone: Section | undefined): string[] {
    if (!zone) return [];
    return zone.nodes ? String(zone.nodes).split(/[,;\s]+/) : this.nodes();
  }

  /**
   * The VNet as the node runs it: present in that node's generated configuration, in a zone that
   * includes the node. Undefined for a plain Linux bridge or a VNet the node does not have.
   */
  vnetOnNode(vnet: string, node: string) {
    const gen = this.generated.get(node);
    const v = gen?.files.vnets[vnet];
    if (!gen || !v) return undefined;
    const zone = gen.files.zones[String(v.zone)];
    if (!zone || !this.zoneNodes(zone).includes(node)) return undefined;
    const subnets = Object.entries(gen.files.subnets)
      .filter(([, s]) => s.vnet === vnet)
      .map(([id, s]): Section & ReturnType<typeof parseSubnetId> & { id: string } => ({ ...s, id, ...parseSubnetId(id) }));
    return { vnet, section: v, zoneId: String(v.zone), zone, subnets };
  }

  /** Zones::status on one node: running zones that include it; "pending" until it regenerated. */
  nodeZoneStatus(node: string) {
    if (!this.running) return [];
    const gen = this.generated.get(node);
    return Object.entries(this.running.files.zones)
      .filter(([, z]) => this.zoneNodes(z).includes(node))
      .map(([zone, z]) => ({ zone, status: gen && gen.version >= this.running!.version ? "available" : "pending", "zone-type": String(z.type) }));
  }

  /** The zone a bridge belongs to for SDN.Use (GuestHelpers::check_vnet_access reads the current files). */
  zoneOfBridge(bridge: string): string {
    const v = this.files.vnets[bridge];
    return v?.zone ? String(v.zone) : "localnetwork";
  }
}
