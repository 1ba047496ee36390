// Carries out a lab operation (snapshot take/rollback/delete, backup/restore) the customer or the
// backup schedule recorded (I2). One operation per VM: the request refuses a second open one, this
// run waits while a power action or a resize holds the VM, and runs for one VM never step at once.
// Every task holds a Proxmox work slot (lib/proxmox/work-slots.ts); a full house pauses the run
// instead of spending its retries. Billing is checked again before any Proxmox work (I6).
import { NonRetriableError } from "inngest";
import { inngest } from "@/lib/jobs/client";
import { vmOperationRequested } from "@/lib/jobs/events";
import { ProxmoxBusyError } from "@/lib/proxmox/work-slots";
import { pruneBackups, recordBackup, recordPowerBefore, runBackup, runRestore, startAfterRestore, stopForRestore } from "@/lib/vm-operations/backup-steps";
import {
  checkOperationAllowed,
  claimOperation,
  failOperation,
  finishOperation,
  loadOperationTarget,
  resyncAfterOperation,
  vmFreeForOperation,
} from "@/lib/vm-operations/run-operation";
import { removeSnapshot, rollBack, takeSnapshot } from "@/lib/vm-operations/snapshot-steps";

/** Worst case per run: a power action or resize to wait out, a busy cluster, a long backup or restore (~1 h each at 45 s + 15 s). */
export const OPERATION_BUDGET = { freeChecks: 30, busyTurns: 30, taskChecks: 60 } as const;

export function operationStepBudget(): number {
  const fixed = 4 + 8; // claim, load, check billing, finish; the kind's own straight steps (restore has most)
  const waits = 2 * (OPERATION_BUDGET.freeChecks + OPERATION_BUDGET.busyTurns + OPERATION_BUDGET.taskChecks) + 3;
  return fixed + waits;
}

type Busy = { busy: true };
const isBusy = (value: unknown): value is Busy => !!value && typeof value === "object" && "busy" in value;

export const vmOperationFunction = inngest.createFunction(
  {
    id: "vm-operation",
    name: "VM snapshot or backup",
    triggers: [vmOperationRequested],
    concurrency: [{ limit: 1, key: "event.data.vmId" }],
    retries: 4,
    onFailure: async ({ event, error, step }) => {
      const { operationId, vmId } = event.data.event.data;
      await step.run("mark operation failed", () => failOperation(operationId, error.message || "operation failed"));
      await step.run("re-read vm status", () => resyncAfterOperation(vmId));
    },
  },
  async ({ event, step }) => {
    const { operationId } = event.data;
    const run = <T>(name: string, work: () => Promise<T>) => step.run(name, work) as Promise<T>;
    let busyTurns = 0;
    const proxmox = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      for (let turn = 1; ; turn++) {
        const result = await run<T | Busy>(turn === 1 ? name : `${name} (turn ${turn})`, () =>
          work().catch((error: unknown) => {
            if (error instanceof ProxmoxBusyError) return { busy: true } as Busy;
            throw error;
          }),
        );
        if (!isBusy(result)) return result;
        if (++busyTurns > OPERATION_BUDGET.busyTurns) throw new NonRetriableError(`${name}: no Proxmox work slot came free within the run's budget`);
        await step.sleep(`wait for a proxmox slot: ${name} ${turn}`, `${Math.min(3 * 2 ** (turn - 1), 300)}s`);
      }
    };
    let taskChecks = 0;
    const untilDone = async (name: string, work: () => Promise<"done" | "running">) => {
      for (let check = 1; (await proxmox(check === 1 ? name : `${name} ${check}`, work)) !== "done"; check++) {
        if (++taskChecks > OPERATION_BUDGET.taskChecks) throw new NonRetriableError(`${name}: the task did not end within the run's budget`);
        await step.sleep(`pause before ${name} ${check + 1}`, "15s");
      }
    };

    const claimed = await run("claim operation", () => claimOperation(operationId));
    if (!claimed) return { operationId, skipped: "operation is not pending" };
    const target = await run("load vm", () => loadOperationTarget(operationId));
    await run("check billing", () => checkOperationAllowed(target));
    for (let check = 1; !(await run(check === 1 ? "wait for the vm" : `wait for the vm ${check}`, () => vmFreeForOperation(target.vmId))); check++) {
      if (check >= OPERATION_BUDGET.freeChecks) throw new NonRetriableError("a power action or resize held the VM too long");
      await step.sleep(`pause before wait for the vm ${check + 1}`, "10s");
    }

    switch (target.kind) {
      case "snapshot_create":
        await proxmox("take snapshot", () => takeSnapshot(target));
        break;
      case "snapshot_rollback":
        await proxmox("roll back", () => rollBack(target));
        break;
      case "snapshot_delete":
        await proxmox("delete snapshot", () => removeSnapshot(target));
        break;
      case "backup_create":
        await untilDone("back up", () => runBackup(target));
        await run("record backup", () => recordBackup(target));
        await proxmox("remove old backups", () => pruneBackups(target));
        break;
      case "backup_restore": {
        const wasRunning = await run("read power state", () => recordPowerBefore(target));
        await proxmox("stop vm", () => stopForRestore(target));
        await untilDone("restore", () => runRestore(target));
        await proxmox("start again", () => startAfterRestore(target, wasRunning));
        break;
      }
      case "rebuild":
        throw new NonRetriableError("a rebuild runs in rebuild-vm");
    }
    await run("finish operation", () => finishOperation(target));
    return { operationId, kind: target.kind, status: "done" as const };
  },
);
