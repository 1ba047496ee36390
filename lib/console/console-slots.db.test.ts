// Console limits and close requests as rows (issue 22, Build 6): what makes them hold when the
// consoles of one VM or one customer are relayed by several app instances.
import { describe, expect, it } from "vitest";
import { claimConsoleSlot, countHeldConsoles, renewConsoleLeases, requestConsoleClose } from "@/lib/console/console-slots";
import { hashSecret, newSecret } from "@/lib/console/console-token";
import { db } from "@/lib/db";
import { createVmFixture } from "@/test/fixtures/vm";

async function spentTokens(userId: string, vmId: string, n: number) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    rows.push(
      await db.consoleToken.create({
        data: { tokenHash: hashSecret(newSecret()), bindingHash: "b", userId, vmId, expiresAt: new Date(Date.now() + 30_000), usedAt: new Date() },
        select: { id: true, userId: true, vmId: true },
      }),
    );
  }
  return rows.map((r) => ({ tokenId: r.id, userId: r.userId, vmId: r.vmId }));
}

const limits = { maxPerVm: 2, maxPerUser: 3 };

describe("console slots across instances", () => {
  it("six openings of one VM at once (as if on different instances): exactly the per-VM maximum get a slot", async () => {
    const { userId, vm } = await createVmFixture();
    const tokens = await spentTokens(userId, vm.id, 6);
    const results = await Promise.all(tokens.map((t) => claimConsoleSlot(t, limits)));
    expect(results.filter(Boolean)).toHaveLength(2);
    expect(await countHeldConsoles({ vmId: vm.id })).toBe(2);
  });

  it("the per-user maximum counts the customer's consoles on all their VMs", async () => {
    const { userId, vm } = await createVmFixture();
    const { vm: second } = await createVmFixture({ userId });
    const a = await spentTokens(userId, vm.id, 2);
    const b = await spentTokens(userId, second.id, 2);
    const results = await Promise.all([...a, ...b].map((t) => claimConsoleSlot(t, limits)));
    expect(results.filter(Boolean)).toHaveLength(3);
    expect(await countHeldConsoles({ userId })).toBe(3);
  });

  it("a closed console frees its slot, and so does a lease its instance stopped renewing (it died)", async () => {
    const { userId, vm } = await createVmFixture();
    const [first, second, third, fourth] = await spentTokens(userId, vm.id, 4);
    expect(await claimConsoleSlot(first, limits)).toBe(true);
    expect(await claimConsoleSlot(second, limits)).toBe(true);
    expect(await claimConsoleSlot(third, limits)).toBe(false);
    await db.consoleToken.update({ where: { id: first.tokenId }, data: { closedAt: new Date() } });
    expect(await claimConsoleSlot(third, limits)).toBe(true);
    await db.consoleToken.update({ where: { id: second.tokenId }, data: { heldUntil: new Date(Date.now() - 1) } });
    expect(await claimConsoleSlot(fourth, limits)).toBe(true);
    const held = await db.consoleToken.findMany({ where: { id: { in: [third.tokenId, fourth.tokenId] } }, select: { heldBy: true } });
    expect(held.every((h) => h.heldBy?.includes(String(process.pid)))).toBe(true);
  });

  it("a close request written by any instance is what the holder's next renewal returns; a VM no longer running closes too", async () => {
    const { userId, vm } = await createVmFixture();
    const { vm: other } = await createVmFixture({ userId });
    const [onVm] = await spentTokens(userId, vm.id, 1);
    const [onOther] = await spentTokens(userId, other.id, 1);
    expect(await claimConsoleSlot(onVm, limits)).toBe(true);
    expect(await claimConsoleSlot(onOther, limits)).toBe(true);
    expect(await renewConsoleLeases([onVm.tokenId, onOther.tokenId])).toEqual([]);

    expect(await requestConsoleClose({ vmId: vm.id }, "access_revoked")).toBe(1);
    await db.vm.update({ where: { id: other.id }, data: { status: "stopped" } });
    const closing = await renewConsoleLeases([onVm.tokenId, onOther.tokenId]);
    expect(closing.sort((a, b) => a.reason.localeCompare(b.reason))).toEqual([
      { tokenId: onVm.tokenId, reason: "access_revoked" },
      { tokenId: onOther.tokenId, reason: "vm_stopped" },
    ]);
  });
});
