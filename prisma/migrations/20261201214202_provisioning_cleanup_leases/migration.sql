-- CreateEnum
CREATE TYPE "CleanupStatus" AS ENUM ('in_progress', 'done', 'overdue');

-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "cleanup_deadline_at" TIMESTAMP(3),
ADD COLUMN     "cleanup_remaining" TEXT,
ADD COLUMN     "cleanup_status" "CleanupStatus";

-- CreateTable
CREATE TABLE "proxmox_leases" (
    "slot" INTEGER NOT NULL,
    "holder" TEXT NOT NULL,
    "upid" TEXT,
    "acquired_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "proxmox_leases_pkey" PRIMARY KEY ("slot")
);

-- CreateIndex
CREATE UNIQUE INDEX "proxmox_leases_holder_key" ON "proxmox_leases"("holder");
