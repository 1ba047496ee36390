// The exact privileges the product's API token needs, derived from the calls it makes (each
// line names them) and the checks qemu-server / pve-manager run for those calls. Proven by
// lib/proxmox/required-privileges.db.test.ts: with exactly this set a VM is provisioned, powered
// and opened in the console; with any one removed a call is refused with a 403 naming it.
// Privilege names PVE 8 and PVE 9 share, except the guest agent's: PVE 9 dropped VM.Monitor for
// VM.GuestAgent.* (qemu-server commit b92a40ce "api: agent: use more specific guest agent privileges").

/** On /vms (propagated): every guest the product creates, and the templates it clones. */
export const VM_PRIVILEGES = [
  "VM.Allocate", // POST clone (on /vms/{newid}), DELETE (compensation, deletion)
  "VM.Audit", // GET config, status/current, rrddata (the graphs); cluster/resources shows only audited guests
  "VM.Clone", // POST clone (on /vms/{template})
  "VM.Config.CPU", // PUT config cores
  "VM.Config.Cloudinit", // PUT config cicustom/ipconfig0 (or VM.Config.Network), PUT cloudinit
  "VM.Config.Disk", // PUT resize
  "VM.Config.Memory", // PUT config memory
  "VM.Config.Network", // PUT config net0 (the customer's VNet, firewall=1), the VM firewall's options, rules and ipsets
  "VM.Config.Options", // PUT config name (sent with cores/memory whenever the config differs)
  "VM.Console", // POST vncproxy, vncwebsocket
  "VM.PowerMgmt", // POST status/start|stop|shutdown|reboot
  "VM.Snapshot", // POST snapshot, DELETE snapshot/{name}
  "VM.Snapshot.Rollback", // POST snapshot/{name}/rollback
  "VM.Backup", // vzdump (checked per guest inside the task), a restore over the VM, deleting its backups
] as const;

export type PveMajor = 8 | 9;

/** On /vms too: the readiness checks read the guest through its agent (agent/info, agent/file-read). */
export const GUEST_AGENT_PRIVILEGES: Record<PveMajor, readonly string[]> = {
  8: ["VM.Monitor"],
  9: ["VM.GuestAgent.Audit", "VM.GuestAgent.FileRead"],
};

/** On each storage the templates' disks live on (the clone's and the resize's new space) and each backup storage (vzdump, restore, delete). */
export const STORAGE_PRIVILEGES = ["Datastore.AllocateSpace"] as const;

/** On /nodes: `GET /nodes/{node}/time`, the clock scheduled backups fall due by. */
export const NODE_PRIVILEGES = ["Sys.Audit"] as const;

/**
 * On each bridge the templates' NICs use (`/sdn/zones/localnetwork/<bridge>`): clone checks it, and
 * so does moving the NIC off it (qemu-server check_bridge_access checks the old NIC and the new).
 */
export const BRIDGE_PRIVILEGES = ["SDN.Use"] as const;

/**
 * On the customers' SDN zone (`/sdn/zones/<zone>`, propagated to its VNets): SDN.Allocate creates
 * and deletes VNets and subnets (pve-network Vnets.pm/Subnets.pm), SDN.Use puts a NIC on a VNet.
 */
export const ZONE_PRIVILEGES = ["SDN.Allocate", "SDN.Use"] as const;

/** On `/sdn` itself, not propagated: `PUT /cluster/sdn` (apply) checks SDN.Allocate there. */
export const SDN_APPLY_PRIVILEGES = ["SDN.Allocate"] as const;

/**
 * For `npm run doctor` only, on `/` and not propagated: reading whether the datacenter firewall is
 * on (`GET /cluster/firewall/options`, Sys.Audit on /); without it no VM firewall rule applies.
 */
export const DOCTOR_ACL = [{ path: "/", privs: ["Sys.Audit"], propagate: false }] as const;

export type AclEntry = { path: string; privs: string[]; propagate?: boolean };

/**
 * The ACL the token (and, with privilege separation, its user) needs; `storages` include the
 * backup storages; `zone` in SDN mode.
 */
export function requiredAcl(opts: { storages: string[]; bridges: string[]; zone?: string | null; pveVersion?: PveMajor }): AclEntry[] {
  return [
    { path: "/vms", privs: [...VM_PRIVILEGES, ...GUEST_AGENT_PRIVILEGES[opts.pveVersion ?? 9]] },
    { path: "/nodes", privs: [...NODE_PRIVILEGES] },
    ...[...new Set(opts.storages)].map((s) => ({ path: `/storage/${s}`, privs: [...STORAGE_PRIVILEGES] })),
    ...[...new Set(opts.bridges)].map((b) => ({ path: `/sdn/zones/localnetwork/${b}`, privs: [...BRIDGE_PRIVILEGES] })),
    ...(opts.zone
      ? [
          { path: `/sdn/zones/${opts.zone}`, privs: [...ZONE_PRIVILEGES] },
          { path: "/sdn", privs: [...SDN_APPLY_PRIVILEGES], propagate: false },
        ]
      : []),
  ];
}

/** Storages and bridges a template config uses (`scsi0: local-lvm:base-9000-disk-0,…`, `net0: virtio=…,bridge=vmbr0`). */
export function storagesAndBridgesOf(config: Record<string, unknown>): { storages: string[]; bridges: string[] } {
  const storages: string[] = [];
  const bridges: string[] = [];
  for (const [key, raw] of Object.entries(config)) {
    const value = String(raw);
    if (/^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/.test(key) && !/media=cdrom|cloudinit/.test(value)) storages.push(value.split(":")[0]);
    const bridge = /^net\d+$/.test(key) ? /(?:^|,)bridge=([^,]+)/.exec(value)?.[1] : undefined;
    if (bridge) bridges.push(bridge);
  }
  return { storages: [...new Set(storages)], bridges: [...new Set(bridges)] };
}
