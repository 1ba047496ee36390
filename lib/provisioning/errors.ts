// Provisioning errors that another try cannot fix (a VMID held by a VM we did not create, a clone
// task that failed, bad stored input). The step-error mapping turns them into NonRetriableError so
// the run stops at once and compensation starts (I8); every other error is retried.
import { PermanentError } from "@/lib/errors";

export class ProvisioningHaltedError extends PermanentError {
  constructor(message: string) {
    super(message);
    this.name = "ProvisioningHaltedError";
  }
}
