// Proxmox answers errors as HTTP 500 with the message as reason phrase (and, on PVE 9, in the body)
// or as HTTP 400 with per-parameter `errors`. This type keeps the text for operators and logs;
// customers never see it (I4).
import type { SaysStepRetry, StepRetry } from "@/lib/errors";

export class ProxmoxError extends Error implements SaysStepRetry {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: Record<string, string> | null = null,
    readonly path = "",
  ) {
    super(message);
    this.name = "ProxmoxError";
  }

  /** A config lock (busy file lock or a `lock` property): worth retrying after a pause. */
  get isLock(): boolean {
    return isLockMessage(this.message);
  }

  /**
   * A lock clears by itself. Otherwise Proxmox answers 4xx for a parameter we got wrong or a
   * privilege the token lacks (a 403 like pve-access-control's "Permission check failed"): another
   * try cannot help. 409/429 are contention, not our mistake; 5xx may pass.
   */
  get stepRetry(): StepRetry {
    if (this.isLock) return "soon";
    return this.status >= 400 && this.status < 500 && this.status !== 409 && this.status !== 429 ? "permanent" : "retry";
  }
}

/**
 * Proxmox's two lock texts: the config file lock ("can't lock file '/var/lock/qemu-server/
 * lock-100.conf' - got timeout", PVE::Tools::lock_file) and the `lock` property ("VM is locked
 * (backup)", PVE::QemuConfig check_lock). A bare "got timeout" is not one: a guest that ignored
 * ACPI answers "VM quit/powerdown failed - got timeout", and running that again does not help.
 */
export function isLockMessage(message: string): boolean {
  return /can't lock file|is locked \(/.test(message);
}
