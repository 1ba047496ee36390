// Names this product gives to what it creates for a VM. They are derived from the VMID alone, so a
// step that lost what it created (a crash before the database write) can find it again by name,
// and compensation can clean up by name as well as by the ids stored on the Vm row.
import path from "node:path/posix";
import { env } from "@/lib/env";

export const tunnelName = (vmid: number) => `labvps-${vmid}`;
export const sshHostname = (vmid: number) => `ssh-${vmid}.${env().BASE_DOMAIN}`;
/** The EVE-NG web UI, for EVE plans only. */
export const webHostname = (vmid: number) => `eve-${vmid}.${env().BASE_DOMAIN}`;
export const tunnelTarget = (tunnelId: string) => `${tunnelId}.cfargotunnel.com`;

export const snippetFileName = (vmid: number) => `labvps-${vmid}.yaml`;
export const snippetPathFor = (vmid: number) => path.join(env().PROXMOX_SNIPPETS_DIR, snippetFileName(vmid));

/**
 * Written into the clone's `description`: if the database write after a clone is lost, the VM can
 * still be recognised as ours, and a VM without it is never touched.
 */
export const ownerMarker = (orderId: string) => `labvps order ${orderId}`;
