// The billing enforcement functions map nothing themselves: their steps' errors go through the one
// step-error path (lib/jobs/step-errors.ts, client middleware) like every other function's.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { InngestTestEngine } from "@inngest/test";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { ProxmoxError } from "@/lib/proxmox/errors";

const { failing } = vi.hoisted(() => ({ failing: { step: "", error: null as unknown } }));
/** A stand-in for the domain call behind step `step`: throws `failing.error` when that step is the failing one. */
const call =
  <T>(step: string, value: T) =>
  async () => {
    if (failing.step === step) throw failing.error;
    return value;
  };

const vm = { enforcementId: "enf_1", vmId: "vm_1", vmid: 1000, node: "pve1", userId: "u1", hostname: "vm-1" };
vi.mock("@/lib/billing-state/enforce-vm", () => ({
  isSuspendedState: call("check still suspended", true),
  loadEnforcedVm: call("load vm", vm),
  markSuspendDone: call("record suspended", undefined),
  recordPowerBeforeSuspend: call("record power before suspension", "running"),
  revokeAccess: call("close consoles and turn onboot off", undefined),
  stopSuspendedVm: call("shut down then stop", "shutdown"),
  restoreVmPower: call("restore vm power", "started"),
}));
vi.mock("@/lib/billing-state/send-billing-notice", () => ({
  queueBillingNotice: call("queue access restored email", undefined),
  deliverBillingNotices: call("deliver billing notices", undefined),
}));
vi.mock("@/lib/billing-state/delete-retained-vm", () => ({
  checkDeletionAllowed: call("check retention and approval", { allowed: true, orderId: "order_1" }),
  deletionSteps: [["destroy vm", call("destroy vm", "destroyed")]],
  finishDeletion: call("record deleted", true),
}));
vi.mock("@/lib/billing-state/billing-state", () => ({ recordEnforcementFailure: vi.fn() }));

const { billingSuspendVmFunction } = await import("./billing-suspend-vm");
const { billingRestoreVmFunction } = await import("./billing-restore-vm");
const { billingDeleteVmFunction } = await import("./billing-delete-vm");

const now = new Date().toISOString();
const runs = {
  suspend: { fn: billingSuspendVmFunction, event: { name: "billing/vm.suspend-requested", data: { enforcementId: "enf_1", suspendedAt: now } } },
  restore: { fn: billingRestoreVmFunction, event: { name: "billing/vm.restore-requested", data: { enforcementId: "enf_1", episode: null } } },
  delete: { fn: billingDeleteVmFunction, event: { name: "billing/vm.delete-requested", data: { enforcementId: "enf_1", asOf: now } } },
};

async function runFailing(kind: keyof typeof runs, step: string, error: unknown) {
  Object.assign(failing, { step, error });
  const { fn, event } = runs[kind];
  const { error: thrown } = await new InngestTestEngine({ function: fn, events: [event as never] }).execute();
  return thrown as { name: string; message: string } | undefined;
}

describe("I8: a billing function's step errors go through the one step-error path", () => {
  beforeEach(() => Object.assign(failing, { step: "", error: null }));

  it.each([
    ["suspend", "check still suspended"],
    ["suspend", "close consoles and turn onboot off"],
    ["suspend", "shut down then stop"],
    ["restore", "restore vm power"],
    ["restore", "deliver billing notices"],
    ["delete", "check retention and approval"],
    ["delete", "destroy vm"],
  ] as const)("%s: a permanent domain error in step '%s' stops the run at once (NonRetriableError, named by the step)", async (kind, step) => {
    const thrown = await runFailing(kind, step, new ProvisioningHaltedError("VMID 1000 is not ours"));
    expect(thrown).toMatchObject({ name: "NonRetriableError", message: `${step}: VMID 1000 is not ours` });
  });

  it("the same rule, not a blanket one: a Proxmox lock is retried soon, an outage with the function's backoff", async () => {
    expect(await runFailing("suspend", "shut down then stop", new ProxmoxError(500, "VM is locked (backup)"))).toMatchObject({
      name: "RetryAfterError",
      message: "shut down then stop: VM is locked (backup)",
    });
    expect(await runFailing("delete", "destroy vm", new ProxmoxError(500, "storage 'local-lvm' offline"))).toMatchObject({
      name: "Error",
      message: "destroy vm: storage 'local-lvm' offline",
    });
  });

  it("a run whose steps all succeed is not touched by the mapping", async () => {
    const { result, error } = await new InngestTestEngine({ function: billingRestoreVmFunction, events: [runs.restore.event as never] }).execute();
    expect(error).toBeUndefined();
    expect(result).toEqual({ did: "started" });
  });
});
