import { describe, expect, it } from "vitest";
import { FLAGGED_PAYMENT_MESSAGE, PROVISION_STAGES, stageOf, toOrderView } from "./order-view";

type Row = Parameters<typeof toOrderView>[0];
const row = (over: Partial<Row> = {}): Row => ({
  id: "ord_1",
  status: "awaiting_payment",
  interval: "month",
  amountMinor: 3900,
  currency: "usd",
  hostname: "lab-1",
  progressStep: null,
  customerMessage: null,
  createdAt: new Date("2030-01-02T03:04:05Z"),
  flaggedAt: null,
  kind: "new_vm",
  plan: { name: "EVE-NG Starter", slug: "eve-starter", labType: "eve" },
  vm: null,
  ...over,
});

describe("toOrderView", () => {
  it("I4: carries only whitelisted fields, even when handed a row with internals", () => {
    const leaky = {
      ...row({ status: "failed", customerMessage: "Please contact support." }),
      failureReason: "clone on pve1 (10.0.0.5): can't lock file",
      nodeName: "pve1",
      flagReason: "amount mismatch",
      stripeSubscriptionId: "sub_1",
    } as Row;
    const view = toOrderView(leaky);
    expect(Object.keys(view).sort()).toEqual(
      [
        "actions",
        "amountMinor",
        "createdAt",
        "currency",
        "final",
        "hostname",
        "id",
        "interval",
        "labType",
        "message",
        "planName",
        "planSlug",
        "stage",
        "status",
        "vmId",
      ].sort(),
    );
    expect(JSON.stringify(view)).not.toMatch(/pve1|10\.0\.0\.5|lock file|mismatch|sub_1/);
    expect(view.message).toBe("Please contact support.");
  });

  it("shows the customer message only for a failed order, with a plain default", () => {
    expect(toOrderView(row({ status: "failed" })).message).toMatch(/^We could not build your VM\./);
    expect(toOrderView(row({ status: "provisioning", customerMessage: "stale" })).message).toBeNull();
  });

  it("links the VM only once the order is provisioned", () => {
    expect(toOrderView(row({ status: "provisioned", vm: { id: "vm_1" } })).vmId).toBe("vm_1");
    expect(toOrderView(row({ status: "provisioning", vm: { id: "vm_1" } })).vmId).toBeNull();
  });

  it("marks provisioned, failed, expired, refunded and canceled as final; the rest keep polling", () => {
    const final = (["awaiting_payment", "paid", "provisioning", "provisioned", "failed", "expired", "refunded", "canceled"] as const).filter(
      (status) => toOrderView(row({ status })).final,
    );
    expect(final).toEqual(["provisioned", "failed", "expired", "refunded", "canceled"]);
  });

  it("no dead end: an unpaid order offers Complete payment and Cancel order, unless an operator holds it", () => {
    expect(toOrderView(row()).actions).toEqual({ completePayment: true, cancel: true });
    expect(toOrderView(row({ status: "expired" })).actions).toEqual({ completePayment: true, cancel: true });
    expect(toOrderView(row({ flaggedAt: new Date() })).actions).toEqual({ completePayment: false, cancel: false });
    for (const status of ["paid", "provisioning", "provisioned", "failed", "refunded", "canceled"] as const) {
      expect(toOrderView(row({ status })).actions).toEqual({ completePayment: false, cancel: false });
    }
  });

  it("I4: a flagged payment shows a plain message, never the operator's reason; a refund shows what was refunded", () => {
    const flagged = toOrderView({ ...row({ flaggedAt: new Date() }), flagReason: "paid 2500 usd, order is 2600 usd" } as Row);
    expect(flagged.message).toBe(FLAGGED_PAYMENT_MESSAGE);
    expect(flagged.final).toBe(false); // keeps polling: the operator's refund shows up by itself
    expect(JSON.stringify(flagged)).not.toMatch(/2500|2600/);
    expect(toOrderView(row({ status: "expired", flaggedAt: new Date() })).message).toBe(FLAGGED_PAYMENT_MESSAGE);
    expect(toOrderView(row()).message).toBeNull();
    expect(toOrderView(row({ status: "refunded", customerMessage: "refunded $39" })).message).toBe("refunded $39");
  });
});

describe("stageOf (I4: provisioning steps are shown in customer words, never raw)", () => {
  it.each([
    ["reserving", "Reserving your machine"],
    ["cloning", "Copying the lab image"],
    ["configuring", "Setting CPU, memory and SSH keys"],
    ["networking", "Setting up secure SSH access"],
    ["cloud_init", "Preparing the first boot"],
    ["starting", "Starting your VM"],
    ["booting", "Waiting for it to boot"],
    ["first_boot", "Running its first-boot setup"],
    ["nested_virt", "Checking nested virtualization"],
    ["tunnel", "Connecting secure SSH access"],
    ["finishing", "Finishing up"],
    ["reserve vmid", "Reserving your machine"],
    ["clone template", "Copying the lab image"],
    ["wait for clone lock", "Copying the lab image"],
    ["set cores, memory, ssh keys", "Setting CPU, memory and SSH keys"],
    ["grow disk", "Sizing the disk"],
    ["create tunnel and dns", "Setting up secure SSH access"],
    ["render cloud-init user-data", "Preparing the first boot"],
    ["upload snippet", "Preparing the first boot"],
    ["start vm", "Starting your VM"],
    ["send ready email", "Finishing up"],
    ["something new on pve1", "Reserving your machine"],
    ["constructor", "Reserving your machine"],
  ])("%s → %s", (step, label) => {
    expect(PROVISION_STAGES[stageOf(step)!]).toBe(label);
  });

  it("only a provisioning order has a stage", () => {
    expect(toOrderView(row({ status: "provisioning", progressStep: "grow disk" })).stage).toBe(3);
    expect(toOrderView(row({ status: "provisioning" })).stage).toBe(0);
    expect(toOrderView(row({ status: "paid", progressStep: "grow disk" })).stage).toBeNull();
  });
});
