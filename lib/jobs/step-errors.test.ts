import { describe, expect, it } from "vitest";
import { CloudInitInputError } from "@/lib/cloud-init/render-user-data";
import { EmailDeliveryError } from "@/lib/email/outbox";
import { ProvisioningHaltedError } from "@/lib/provisioning/errors";
import { ProxmoxError } from "@/lib/proxmox/errors";
import { TaskFailedError } from "@/lib/proxmox/tasks";
import { ProxmoxBusyError } from "@/lib/proxmox/work-slots";
import { classifyStepError, toStepError } from "./step-errors";

describe("one mapping from Proxmox/Stripe errors to Inngest retries", () => {
  it("I8: stops at once only where another try cannot help", () => {
    expect(classifyStepError(new ProvisioningHaltedError("VMID taken"))).toBe("permanent");
    expect(classifyStepError(new CloudInitInputError("hostname", "bad"))).toBe("permanent");
    expect(classifyStepError(new EmailDeliveryError("k", "validation_error", "bad_recipient"))).toBe("permanent");
    expect(classifyStepError(new ProxmoxError(400, "Parameter verification failed.", { cores: "bad" }))).toBe("permanent");
    expect(classifyStepError(new ProxmoxError(403, "Permission check failed (/vms/1000, VM.Allocate)"))).toBe("permanent");
    expect(classifyStepError(Object.assign(new Error("No such price"), { type: "StripeInvalidRequestError" }))).toBe("permanent");
  });

  it("I8: locks, a full Proxmox budget and rate limits are retried soon; outages with the function's backoff", () => {
    expect(classifyStepError(new ProxmoxError(500, "VM is locked (backup)"))).toBe("soon");
    expect(classifyStepError(new TaskFailedError("disk resize", "can't lock file '/var/lock/qemu-server/lock-1000.conf' - got timeout"))).toBe("soon");
    expect(classifyStepError(new ProxmoxBusyError("vm:x:clone"))).toBe("soon");
    expect(classifyStepError(Object.assign(new Error("Too many requests"), { type: "StripeRateLimitError" }))).toBe("soon");
    expect(classifyStepError(new ProxmoxError(500, "storage 'local-lvm' offline"))).toBe("retry");
    expect(classifyStepError(new ProxmoxError(409, "conflict"))).toBe("retry");
    expect(classifyStepError(new EmailDeliveryError("k", "rate_limit_exceeded", "rate_limited"))).toBe("retry");
    expect(classifyStepError(Object.assign(new Error("socket hang up"), { type: "StripeConnectionError" }))).toBe("retry");
    expect(classifyStepError(new TaskFailedError("VM start", "VM quit/powerdown failed - got timeout"))).toBe("retry");
  });

  it("names the step in the message and keeps the cause", () => {
    const cause = new ProvisioningHaltedError("VMID 1000 taken");
    const error = toStepError("clone template", cause);
    expect(error.name).toBe("NonRetriableError");
    expect(error.message).toBe("clone template: VMID 1000 taken");
    expect(error.cause).toBe(cause);
    expect(toStepError("configure vm", new ProxmoxError(500, "VM is locked (clone)")).name).toBe("RetryAfterError");
  });
});

it("Cloudflare's rate limit: the step is retried after the Retry-After Cloudflare named, not at once nor with a guess", async () => {
  const { default: Cloudflare } = await import("cloudflare");
  const headers = new Headers({ "retry-after": "300" });
  const limited = new Cloudflare.RateLimitError(
    429,
    { errors: [{ code: 971, message: "Please wait and consider throttling your request speed" }] },
    "429",
    headers,
  );
  const error = toStepError("create tunnel and dns", limited) as Error & { retryAfter?: string };
  expect(error.name).toBe("RetryAfterError");
  expect(error.retryAfter).toBe("300");
});

describe("the step-error path names no domain class", () => {
  it("I8: any PermanentError stops at once, including one the mapping has never heard of", async () => {
    const { PermanentError } = await import("@/lib/errors");
    class SomeNewRefusal extends PermanentError {}
    expect(classifyStepError(new SomeNewRefusal("refused for good"))).toBe("permanent");
    expect(toStepError("do the thing", new SomeNewRefusal("refused for good"))).toMatchObject({
      name: "NonRetriableError",
      message: "do the thing: refused for good",
    });
  });

  it("a decision already made for Inngest inside the step is kept, not wrapped again", async () => {
    const { NonRetriableError, RetryAfterError } = await import("inngest");
    const stop = new NonRetriableError("budget spent");
    const later = new RetryAfterError("wait", "30s");
    expect(toStepError("wait for clone", stop)).toBe(stop);
    expect(toStepError("wait for clone", later)).toBe(later);
  });
});
