// The broker as server.ts runs it: tokens from the database, the console from the VM's own node.
import { createConsoleBroker } from "@/lib/console/console-broker";
import { readConsoleBinding, readSessionUserId } from "@/lib/console/console-session";
import { consumeConsoleToken, recordConsoleEnd, recordConsoleOpen, recordConsoleRefusal } from "@/lib/console/console-token";
import { openProxmoxConsole } from "@/lib/console/open-proxmox-console";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { getVmStatus } from "@/lib/proxmox/api";

export function createAppConsoleBroker() {
  const config = env();
  return createConsoleBroker({
    authorize: async ({ token, cookie }) => consumeConsoleToken({ token, binding: readConsoleBinding(cookie), sessionUserId: await readSessionUserId(cookie) }),
    openUpstream: openProxmoxConsole,
    isVmRunning: async ({ node, vmid }) => (await getVmStatus(node, vmid)).status === "running",
    findNotRunning: async (vmIds) =>
      (await db.vm.findMany({ where: { id: { in: vmIds }, status: { not: "running" } }, select: { id: true } })).map((v) => v.id),
    onRefused: recordConsoleRefusal,
    onOpened: (granted) => recordConsoleOpen(granted),
    onEnded: (granted, end) => recordConsoleEnd({ tokenId: granted.tokenId, userId: granted.userId, vmId: granted.vmId, ...end }),
    maxPerVm: config.CONSOLE_MAX_PER_VM,
    maxPerUser: config.CONSOLE_MAX_PER_USER,
    allowedOrigin: new URL(config.APP_URL).origin,
  });
}
