import { expect, it } from "vitest";
import { ProxmoxError } from "@/lib/proxmox/errors";
import { withLockRetry } from "./lock-retry";

const locked = () => new ProxmoxError(500, "can't lock file '/var/lock/qemu-server/lock-101.conf' - got timeout");

it("retries lock errors with the given delays, then succeeds", async () => {
  let calls = 0;
  const result = await withLockRetry(async () => {
    if (++calls < 3) throw locked();
    return "ok";
  }, [1, 1, 1]);
  expect(result).toBe("ok");
  expect(calls).toBe(3);
});

it("gives up after the last delay and passes the lock error on", async () => {
  let calls = 0;
  await expect(withLockRetry(async () => {
    calls++;
    throw new ProxmoxError(500, "VM is locked (backup)");
  }, [1, 1])).rejects.toThrow("VM is locked (backup)");
  expect(calls).toBe(3);
});

it("does not retry other errors", async () => {
  let calls = 0;
  await expect(withLockRetry(async () => {
    calls++;
    throw new ProxmoxError(500, "VM 101 not running");
  }, [1, 1])).rejects.toThrow("not running");
  expect(calls).toBe(1);
});
