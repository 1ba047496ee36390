// PVE has two error shapes: a handler `die` (HTTP 500, message as reason phrase) and a
// parameter exception (HTTP 400 with per-field `errors`). Routes throw one of these.

export class PveError extends Error {
  constructor(
    message: string,
    readonly status = 500,
  ) {
    super(message);
  }
}

export class ParamError extends Error {
  constructor(readonly errors: Record<string, string>) {
    super("Parameter verification failed.");
  }
}

export function paramError(param: string, message: string): ParamError {
  return new ParamError({ [param]: message });
}

export const lockedError = (lock: string) => new PveError(`VM is locked (${lock})`);

export const configLockTimeout = (vmid: number | string) => new PveError(`can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout`);
