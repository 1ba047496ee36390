// Names this product gives to what it creates for a VM. What could be found again by name (the
// tunnel, the Access application and policy, the snippet, the clone's description) carries the Vm
// row's own id or its order's id, not the VMID: VMIDs go back to the pool and are reused, row ids
// never are. So a lookup by name finds only this row's things, adoption is safe, and cleanup can
// never reach another VM's resources. Customer-visible hostnames come from the VM's host label (its
// chosen name plus a random suffix, issued once ever: lib/provisioning/hostnames.ts), so nobody can
// guess them from a VMID and no later VM inherits them. VMs built before host labels keep their
// `ssh-<vmid>` names (legacy, never issued to anyone else: issued labels always end in a suffix).
import path from "node:path/posix";
import { env } from "@/lib/env";

/** The VM's tunnel: the row id is the owner tag that makes a tunnel found by name provably ours. */
export const tunnelName = (vmId: string) => `labvps-vm-${vmId}`;
export const isTunnelOf = (vmId: string, name: string | null | undefined) => name === tunnelName(vmId);
export const tunnelTarget = (tunnelId: string) => `${tunnelId}.cfargotunnel.com`;

/** The Access application and its reusable policy carry the same owner tag as the tunnel. */
export const accessName = tunnelName;
export const isAccessOf = isTunnelOf;

/** The one place VM hostnames are built from a host label (provisioning, the VM page, emails). */
export const sshHostname = (label: string, baseDomain = env().BASE_DOMAIN) => `ssh-${label}.${baseDomain}`;
/** The EVE-NG web UI, for EVE plans only. */
export const webHostname = (label: string, baseDomain = env().BASE_DOMAIN) => `eve-${label}.${baseDomain}`;
/** What VMs built before host labels were given; only cleanup still looks them up. */
export const legacyHostnames = (vmid: number, baseDomain = env().BASE_DOMAIN) => [`ssh-${vmid}.${baseDomain}`, `eve-${vmid}.${baseDomain}`];

export const snippetFileName = (vmId: string) => `labvps-vm-${vmId}.yaml`;
export const snippetPathFor = (vmId: string) => path.join(env().PROXMOX_SNIPPETS_DIR, snippetFileName(vmId));

/**
 * Written into the clone's `description`: if the database write after a clone is lost, the VM can
 * still be recognised as ours, and a VM without it is never touched. One order has one Vm row.
 */
export const ownerMarker = (orderId: string) => `labvps order ${orderId}`;

/** Proxmox's own description on the config a clone task writes first (qemu-server QemuServer.pm). */
export const CLONE_TEMPORARY_DESCRIPTION = "qmclone temporary file";

/** A customer network's Proxmox work (its VNet and subnet writes, the SDN apply): one slot. */
export const networkSlotHolder = (networkId: string) => `net:${networkId}`;

/** Written into a customer VNet's `alias`: a VNet found by name is ours only if it carries this. */
export const networkMarker = (networkId: string) => `labvps-${networkId}`;
