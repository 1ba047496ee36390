-- CreateEnum
CREATE TYPE "CloneMode" AS ENUM ('full', 'linked');

-- CreateEnum
CREATE TYPE "BackupSchedule" AS ENUM ('none', 'daily', 'weekly');

-- CreateEnum
CREATE TYPE "VmOperationKind" AS ENUM ('snapshot_create', 'snapshot_rollback', 'snapshot_delete', 'backup_create', 'backup_restore', 'rebuild');

-- CreateEnum
CREATE TYPE "VmOperationStatus" AS ENUM ('pending', 'running', 'done', 'failed');

-- CreateEnum
CREATE TYPE "LabItemStatus" AS ENUM ('creating', 'ready', 'deleting', 'deleted', 'failed');

-- DropIndex
DROP INDEX "templates_node_id_lab_type_key";

-- AlterTable
ALTER TABLE "plans" ADD COLUMN     "backup_retention" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "snapshot_limit" INTEGER NOT NULL DEFAULT 3,
ADD COLUMN     "snapshot_with_ram" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "proxmox_nodes" ADD COLUMN     "backup_storage" TEXT NOT NULL DEFAULT 'local',
ADD COLUMN     "cpu_type" TEXT NOT NULL DEFAULT 'host',
ADD COLUMN     "nested_virt_missing_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "templates" ADD COLUMN     "clone_mode" "CloneMode" NOT NULL DEFAULT 'full',
ADD COLUMN     "is_default" BOOLEAN NOT NULL DEFAULT true;

-- AlterTable
ALTER TABLE "vms" ADD COLUMN     "backup_schedule" "BackupSchedule" NOT NULL DEFAULT 'none',
ADD COLUMN     "nested_virt" BOOLEAN,
ADD COLUMN     "next_backup_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "vm_operations" (
    "id" TEXT NOT NULL,
    "vm_id" TEXT NOT NULL,
    "user_id" TEXT,
    "kind" "VmOperationKind" NOT NULL,
    "status" "VmOperationStatus" NOT NULL DEFAULT 'pending',
    "open_key" TEXT,
    "request_key" TEXT,
    "snapshot_id" TEXT,
    "backup_id" TEXT,
    "params" JSONB NOT NULL DEFAULT '{}',
    "progress_step" TEXT,
    "error" TEXT,
    "customer_message" TEXT,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),

    CONSTRAINT "vm_operations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vm_snapshots" (
    "id" TEXT NOT NULL,
    "vm_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "with_ram" BOOLEAN NOT NULL DEFAULT false,
    "status" "LabItemStatus" NOT NULL DEFAULT 'creating',
    "taken_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vm_snapshots_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vm_backups" (
    "id" TEXT NOT NULL,
    "vm_id" TEXT NOT NULL,
    "node" TEXT,
    "storage" TEXT,
    "volid" TEXT,
    "size_bytes" BIGINT,
    "taken_at" TIMESTAMP(3),
    "scheduled" BOOLEAN NOT NULL DEFAULT false,
    "status" "LabItemStatus" NOT NULL DEFAULT 'creating',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vm_backups_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "vm_operations_open_key_key" ON "vm_operations"("open_key");

-- CreateIndex
CREATE UNIQUE INDEX "vm_operations_request_key_key" ON "vm_operations"("request_key");

-- CreateIndex
CREATE INDEX "vm_operations_vm_id_created_at_idx" ON "vm_operations"("vm_id", "created_at");

-- CreateIndex
CREATE INDEX "vm_operations_status_created_at_idx" ON "vm_operations"("status", "created_at");

-- CreateIndex
CREATE INDEX "vm_snapshots_vm_id_status_idx" ON "vm_snapshots"("vm_id", "status");

-- CreateIndex
CREATE UNIQUE INDEX "vm_snapshots_vm_id_name_key" ON "vm_snapshots"("vm_id", "name");

-- CreateIndex
CREATE INDEX "vm_backups_vm_id_status_idx" ON "vm_backups"("vm_id", "status");

-- CreateIndex
CREATE INDEX "templates_node_id_lab_type_idx" ON "templates"("node_id", "lab_type");

-- CreateIndex
CREATE INDEX "vms_backup_schedule_next_backup_at_idx" ON "vms"("backup_schedule", "next_backup_at");

-- AddForeignKey
ALTER TABLE "vm_operations" ADD CONSTRAINT "vm_operations_vm_id_fkey" FOREIGN KEY ("vm_id") REFERENCES "vms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vm_snapshots" ADD CONSTRAINT "vm_snapshots_vm_id_fkey" FOREIGN KEY ("vm_id") REFERENCES "vms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vm_backups" ADD CONSTRAINT "vm_backups_vm_id_fkey" FOREIGN KEY ("vm_id") REFERENCES "vms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
