// What a customer may ask of their lab, validated with zod (I10): field-level messages, and the
// form's one-time `requestKey` so a form submitted twice is one operation (I3).
import { z } from "zod";
import { MAX_ID_LENGTH } from "@/lib/http/route-id";

const id = z.string().trim().min(1, "Missing id.").max(MAX_ID_LENGTH, "Unknown id.");
const requestKey = z.uuid("Reload the page and try again.");
const confirmed = z.literal("on", { error: "Tick the box to confirm." });

export const snapshotCreateSchema = z.object({
  vmId: id,
  requestKey,
  label: z.string().trim().min(1, "Give the snapshot a label.").max(60, "Use at most 60 characters."),
  description: z.string().trim().max(500, "Use at most 500 characters.").default(""),
  withRam: z
    .enum(["on"])
    .optional()
    .transform((v) => v === "on"),
});

export const snapshotRollbackSchema = z.object({ vmId: id, requestKey, snapshotId: id, confirm: confirmed });
export const snapshotDeleteSchema = z.object({ vmId: id, requestKey, snapshotId: id });
export const backupNowSchema = z.object({ vmId: id, requestKey });
export const backupRestoreSchema = z.object({ vmId: id, requestKey, backupId: id, confirm: confirmed });
export const backupScheduleSchema = z.object({ vmId: id, schedule: z.enum(["none", "daily", "weekly"], { error: "Choose none, daily or weekly." }) });
export const rebuildSchema = z.object({
  vmId: id,
  requestKey,
  // Empty: the plan's own image.
  templateId: z.string().trim().max(64, "Unknown image.").optional().default(""),
  confirmHostname: z.string().trim().min(1, "Type the VM's hostname to confirm.").max(63, "That is not this VM's hostname."),
});

export type OperationRequest =
  | { kind: "snapshot_create"; label: string; description: string; withRam: boolean }
  | { kind: "snapshot_rollback"; snapshotId: string }
  | { kind: "snapshot_delete"; snapshotId: string }
  | { kind: "backup_create" }
  | { kind: "backup_restore"; backupId: string }
  | { kind: "rebuild"; templateId: string | null; confirmHostname: string };
