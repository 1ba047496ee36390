// Issue 18: what we do to a Proxmox machine, written once (lib/proxmox/machine.ts), against the
// Proxmox stand-in: each change reads the machine first, so a repeat sends nothing (I3), and each
// runs under its work-slot lease, given back at the end (I8).
import fs from "node:fs";
import { Agent, fetch } from "undici";
import { afterAll, describe, expect, inject, it } from "vitest";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { uniqueVmid } from "@/test/fixtures/vm";
import { cloneVm, deleteVm, getVmConfig, getVmStatus, setVmConfig, vmPower } from "./api";
import { ensurePower, growDiskTo, memoryMiB, setCpuMemory, waitForPowerState } from "./machine";
import { diskSizeGb, waitForTaskOk } from "./tasks";

const NODE = "pve1";
const pinned = new Agent({ connect: { ca: fs.readFileSync(env().PROXMOX_CA_CERT_FILE, "utf8") } });
async function requests(): Promise<Array<{ method: string; path: string }>> {
  const response = await fetch(`${inject("simUrls").proxmox}/_sim/requests`, { dispatcher: pinned });
  return (await response.json()) as Array<{ method: string; path: string }>;
}
const writes = async (vmid: number, suffix: string) =>
  (await requests()).filter((r) => r.method !== "GET" && r.path === `/nodes/${NODE}/qemu/${vmid}${suffix}`).length;

const clones: number[] = [];
async function stoppedMachine() {
  const vmid = uniqueVmid();
  await waitForTaskOk(await cloneVm(NODE, 9000, { newid: vmid, name: `machine-${vmid}` }), "test clone", 30_000);
  clones.push(vmid);
  return { node: NODE, vmid };
}
const leaseOf = (holder: string) => db.proxmoxLease.count({ where: { holder } });

afterAll(async () => {
  for (const vmid of clones) {
    await vmPower(NODE, vmid, "stop")
      .then((upid) => waitForTaskOk(upid, "stop", 30_000))
      .catch(() => undefined);
    await deleteVm(NODE, vmid)
      .then((upid) => waitForTaskOk(upid, "destroy", 30_000))
      .catch(() => undefined);
  }
});

describe("lib/proxmox/machine", () => {
  it("I3: ensurePower starts a stopped VM once and stops it hard once; a repeat sends no task and the slot is given back", async () => {
    const machine = await stoppedMachine();
    const holder = `test:machine:${machine.vmid}:power`;
    expect(await ensurePower(machine, "running", holder, "start")).toBe(true);
    expect((await getVmStatus(NODE, machine.vmid)).status).toBe("running");
    expect(await ensurePower(machine, "running", holder, "start")).toBe(false);
    expect(await writes(machine.vmid, "/status/start")).toBe(1);

    expect(await ensurePower(machine, "stopped", holder, "hard stop")).toBe(true);
    expect((await getVmStatus(NODE, machine.vmid)).status).toBe("stopped");
    expect(await ensurePower(machine, "stopped", holder, "hard stop")).toBe(false);
    expect(await writes(machine.vmid, "/status/stop")).toBe(1);
    expect(await writes(machine.vmid, "/status/shutdown")).toBe(0); // `stopped` pulls the plug
    expect(await leaseOf(holder)).toBe(0);
  });

  it("waitForPowerState returns the state reached, or the last one seen when time is up", async () => {
    const machine = await stoppedMachine();
    expect(await waitForPowerState(machine, "stopped", 1_000)).toBe("stopped");
    expect(await waitForPowerState(machine, "running", 300)).toBe("stopped");
  });

  it("I3: growDiskTo grows to an absolute size once, never shrinks, and is null without the disk", async () => {
    const machine = await stoppedMachine();
    const disk = env().PROXMOX_DISK;
    const before = diskSizeGb((await getVmConfig(NODE, machine.vmid))[disk])!;
    const holder = `test:machine:${machine.vmid}:disk`;
    expect(await growDiskTo(machine, before + 8, holder)).toEqual({ fromGb: before, toGb: before + 8 });
    expect(diskSizeGb((await getVmConfig(NODE, machine.vmid))[disk])).toBe(before + 8);
    expect(await growDiskTo(machine, before + 8, holder)).toEqual({ fromGb: before + 8, toGb: before + 8 });
    expect(await growDiskTo(machine, before, holder)).toEqual({ fromGb: before + 8, toGb: before + 8 });
    expect(await writes(machine.vmid, "/resize")).toBe(1);
    expect(await leaseOf(holder)).toBe(0);

    await setVmConfig(NODE, machine.vmid, { delete: disk });
    expect(await growDiskTo(machine, before + 16, holder)).toBeNull();
  });

  it("I3: setCpuMemory writes cores and memory in MiB once, and brings a larger balloon down with the memory", async () => {
    const machine = await stoppedMachine();
    const holder = `test:machine:${machine.vmid}:config`;
    await setVmConfig(NODE, machine.vmid, { cores: 1, memory: 4096, balloon: 4096 });
    expect(await setCpuMemory(machine, { vcpus: 2, ramGb: 2 }, holder)).toBe(true);
    const config = await getVmConfig(NODE, machine.vmid);
    expect({ cores: Number(config.cores), memory: Number(config.memory), balloon: Number(config.balloon) }).toEqual({ cores: 2, memory: 2048, balloon: 2048 });
    const configWrites = await writes(machine.vmid, "/config");
    expect(await setCpuMemory(machine, { vcpus: 2, ramGb: 2 }, holder)).toBe(false);
    expect(await writes(machine.vmid, "/config")).toBe(configWrites);
    expect(memoryMiB(3)).toBe(3072);
    expect(await leaseOf(holder)).toBe(0);
  });
});
