// The broker as server.ts runs it: tokens from the database, the console from the VM's own node.
import { createConsoleBroker } from "@/lib/console/console-broker";
import { claimConsoleSlot, CONSOLE_RENEW_MS, renewConsoleLeases } from "@/lib/console/console-slots";
import { readConsoleBinding, readSessionUserId } from "@/lib/console/console-session";
import { consumeConsoleToken, recordConsoleEnd, recordConsoleOpen, recordConsoleRefusal } from "@/lib/console/console-token";
import { openProxmoxConsole } from "@/lib/console/open-proxmox-console";
import { env } from "@/lib/env";
import { getVmStatus } from "@/lib/proxmox/api";

export function createAppConsoleBroker() {
  const config = env();
  return createConsoleBroker({
    authorize: async ({ token, cookie }) => consumeConsoleToken({ token, binding: readConsoleBinding(cookie), sessionUserId: await readSessionUserId(cookie) }),
    openUpstream: openProxmoxConsole,
    isVmRunning: async ({ node, vmid }) => (await getVmStatus(node, vmid)).status === "running",
    claimSlot: (granted) => claimConsoleSlot(granted, { maxPerVm: config.CONSOLE_MAX_PER_VM, maxPerUser: config.CONSOLE_MAX_PER_USER }),
    renewHeld: renewConsoleLeases,
    recheckIntervalMs: CONSOLE_RENEW_MS,
    onRefused: recordConsoleRefusal,
    onOpened: (granted) => recordConsoleOpen(granted),
    onEnded: (granted, end) => recordConsoleEnd({ tokenId: granted.tokenId, userId: granted.userId, vmId: granted.vmId, ...end }),
    allowedOrigin: new URL(config.APP_URL).origin,
  });
}
