import { describe, expect, it } from "vitest";
import { ProxmoxError } from "@/lib/proxmox/errors";
import { SshCommandError } from "@/lib/proxmox/ssh";
import { diskSizeGb, isLockError, nodeOfUpid, pollUntil, TaskFailedError, taskSucceeded, withLockRetry } from "./tasks";

describe("proxmox tasks: one rule for locks, polling and success", () => {
  it("pollUntil asks until there is an answer, backing off, and gives up before the deadline", async () => {
    const asked: number[] = [];
    const start = Date.now();
    const third = () => (asked.push(Date.now() - start), Promise.resolve(asked.length === 3 ? "found" : undefined));
    expect(await pollUntil(third, Date.now() + 5_000, { firstPauseMs: 10, maxPauseMs: 20 })).toBe("found");
    expect(asked).toHaveLength(3);
    expect(asked[2]! - asked[1]!).toBeGreaterThanOrEqual(19); // 10, then 20 (capped)
    let looks = 0;
    const never = () => (looks++, Promise.resolve(undefined));
    expect(await pollUntil(never, Date.now() + 100, { firstPauseMs: 10, maxPauseMs: 20 })).toBeUndefined();
    expect(looks).toBeGreaterThan(2);
    expect(await pollUntil(() => Promise.resolve(0), Date.now())).toBe(0); // a falsy answer is an answer
  });

  it("reads a disk line's size in GiB, whatever the unit", () => {
    expect(diskSizeGb("local-lvm:vm-1000-disk-0,size=32G")).toBe(32);
    expect(diskSizeGb("local-lvm:vm-1000-disk-0,iothread=1,size=1T,ssd=1")).toBe(1024);
    expect(diskSizeGb("local-lvm:vm-1000-disk-0,size=40960M")).toBe(40);
    expect(diskSizeGb("local-lvm:vm-1000-disk-0")).toBeUndefined();
    expect(diskSizeGb(undefined)).toBeUndefined();
  });

  it("knows success from the exit status, and the node from the UPID", () => {
    expect(taskSucceeded({ status: "stopped", exitstatus: "OK" })).toBe(true);
    expect(taskSucceeded({ status: "stopped", exitstatus: "WARNINGS: 2" })).toBe(true);
    expect(taskSucceeded({ status: "stopped", exitstatus: "clone failed: no space left" })).toBe(false);
    expect(nodeOfUpid("UPID:pve1:0001ABCD:00002F00:6700AA00:qmclone:9001:root@pam!labvps:")).toBe("pve1");
  });

  it("treats Proxmox lock messages (API or qm over SSH) as locks, and nothing else", () => {
    expect(isLockError(new ProxmoxError(500, "can't lock file '/var/lock/qemu-server/lock-1000.conf' - got timeout"))).toBe(true);
    expect(isLockError(new ProxmoxError(500, "VM is locked (clone)"))).toBe(true);
    expect(isLockError(new SshCommandError("qm set 1000", 255, "VM is locked (backup)\n"))).toBe(true);
    expect(isLockError(new ProxmoxError(500, "unable to create VM 1000: config file already exists"))).toBe(false);
    expect(isLockError(new Error("VM is locked (clone)"))).toBe(false);
    // Since clone/resize/power errors arrive as the task's exit status, a lock there counts too.
    expect(isLockError(new TaskFailedError("clone", "can't lock file '/var/lock/qemu-server/lock-1000.conf' - got timeout"))).toBe(true);
    expect(isLockError(new TaskFailedError("resize", "disk size may not shrink"))).toBe(false);
  });

  it("I8: retries a locked call with backoff, then gives up with the lock error", async () => {
    let calls = 0;
    const locked = () => new ProxmoxError(500, "VM is locked (backup)");
    await expect(withLockRetry(async () => (++calls < 3 ? Promise.reject(locked()) : "done"), [1, 1, 1, 1])).resolves.toBe("done");
    expect(calls).toBe(3);
    calls = 0;
    await expect(withLockRetry(async () => (calls++, Promise.reject(locked())), [1, 1, 1])).rejects.toThrow("VM is locked");
    expect(calls).toBe(4);
    calls = 0;
    await expect(withLockRetry(async () => (calls++, Promise.reject(new Error("boom"))), [1, 1])).rejects.toThrow("boom");
    expect(calls).toBe(1);
  });
});
