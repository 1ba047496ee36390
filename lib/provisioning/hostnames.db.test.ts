// Issue 23 "Prove it": no two VMs, past or present, ever had the same customer-visible hostname,
// whatever happens to VMIDs. Hostnames come from a host label (the chosen name plus a random
// suffix) issued once into issued_hostnames, whose primary key is the guarantee.
import { InngestTestEngine } from "@inngest/test";
import { afterAll, describe, expect, it } from "vitest";
import { provisionVmFunction } from "@/inngest/functions/provision-vm";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { compensateProvisioning, inlineRunner } from "./compensate";
import { candidateLabel, issueHostLabel, randomSuffix } from "./hostnames";
import { createPaidOrder, retireProvisioningFixtures } from "@/test/fixtures/provisioning";
import { unique } from "@/test/fixtures/unique";

afterAll(retireProvisioningFixtures);

const execute = (orderId: string) =>
  new InngestTestEngine({ function: provisionVmFunction, events: [{ name: "order/paid", data: { orderId, attempt: 1 } }] }).execute();

describe("host labels", () => {
  it("are the chosen name plus 8 random characters from a-z0-9, and never look like a VMID-derived name", () => {
    for (let i = 0; i < 200; i++) expect(randomSuffix()).toMatch(/^[a-z0-9]{8}$/);
    expect(new Set(Array.from({ length: 200 }, () => randomSuffix())).size).toBe(200);
    expect(candidateLabel("lab-1", "k3x9q2ab")).toBe("lab-1-k3x9q2ab");
    expect(candidateLabel("a".repeat(60), "k3x9q2ab")).toBe(`${"a".repeat(40)}-k3x9q2ab`);
    // A legacy name is ssh-<digits>: an issued label always ends in -<suffix>, so it can never be one.
    expect(candidateLabel("1042", "k3x9q2ab")).not.toMatch(/^\d+$/);
  });

  it("a drawn label already issued (to anyone, ever) is drawn again; a re-run keeps the VM's label", async () => {
    const { order } = await createPaidOrder({ hostname: `dup-${unique()}` });
    const vm = await db.vm.create({
      data: { userId: order.userId, orderId: order.id, planId: order.planId, name: order.hostname, labType: "containerlab", vcpus: 1, ramGb: 1, diskGb: 40 },
    });
    await db.issuedHostname.create({ data: { label: `${order.hostname}-aaaaaaaa`, vmId: "some-earlier-vm" } });
    const draws = ["aaaaaaaa", "bbbbbbbb"];
    expect(await issueHostLabel(vm.id, () => draws.shift()!)).toBe(`${order.hostname}-bbbbbbbb`);
    expect(await issueHostLabel(vm.id, () => "cccccccc")).toBe(`${order.hostname}-bbbbbbbb`);
    expect((await db.issuedHostname.findUniqueOrThrow({ where: { label: `${order.hostname}-aaaaaaaa` } })).vmId).toBe("some-earlier-vm");
  });

  it("I5: no two VMs past or present share a hostname across VMID reuse: the next VM on a freed VMID gets new, unrelated names", async () => {
    const name = `reuse-${unique()}`;
    const first = await createPaidOrder({ hostname: name });
    expect((await execute(first.order.id)).error).toBeUndefined();
    const a = await db.vm.findUniqueOrThrow({ where: { orderId: first.order.id } });
    // A's VM goes away (as a failure after start would have it) and its VMID back to the pool.
    await db.order.update({ where: { id: first.order.id }, data: { status: "provisioning" } });
    await db.vm.update({ where: { id: a.id }, data: { status: "provisioning" } });
    const report = await compensateProvisioning({ orderId: first.order.id, attempt: 1, error: "test: gone" }, inlineRunner(50));
    expect(report.cleanup.every((c) => c.ok)).toBe(true);
    expect(await db.vmidReservation.findUnique({ where: { vmid: a.vmid! } })).toBeNull();

    const second = await createPaidOrder({ hostname: name });
    expect((await execute(second.order.id)).error).toBeUndefined();
    const b = await db.vm.findUniqueOrThrow({ where: { orderId: second.order.id } });
    expect(b.vmid).toBe(a.vmid); // the VMID was reused...
    expect(b.hostLabel).not.toBe(a.hostLabel); // ...the names were not
    expect(b.sshHostname).not.toBe(a.sshHostname);
    for (const host of [a.sshHostname, a.webHostname, b.sshHostname]) if (host) expect(host).not.toContain(`-${a.vmid}.`);

    // The history keeps A's label as A's, and the database refuses to issue it again.
    const issued = await db.issuedHostname.findMany({ where: { label: { in: [a.hostLabel!, b.hostLabel!] } } });
    expect(Object.fromEntries(issued.map((i) => [i.label, i.vmId]))).toEqual({ [a.hostLabel!]: a.id, [b.hostLabel!]: b.id });
    await expect(db.issuedHostname.create({ data: { label: a.hostLabel!, vmId: b.id } })).rejects.toThrow();
    const all = await db.issuedHostname.findMany({ select: { label: true } });
    expect(new Set(all.map((i) => `ssh-${i.label}.${env().BASE_DOMAIN}`)).size).toBe(all.length);
  });
});
