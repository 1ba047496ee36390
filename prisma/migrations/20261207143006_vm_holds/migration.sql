-- CreateEnum
CREATE TYPE "VmHoldKind" AS ENUM ('abuse', 'dispute', 'fraud_warning');

-- CreateTable
CREATE TABLE "vm_holds" (
    "id" TEXT NOT NULL,
    "vm_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" "VmHoldKind" NOT NULL,
    "reason" TEXT NOT NULL,
    "customer_note" TEXT,
    "pause_billing" BOOLEAN NOT NULL DEFAULT false,
    "stripe_object_id" TEXT,
    "active_key" TEXT,
    "power_before_hold" TEXT,
    "onboot_before_hold" BOOLEAN,
    "stopped_at" TIMESTAMP(3),
    "placed_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lifted_at" TIMESTAMP(3),
    "lifted_by" TEXT,

    CONSTRAINT "vm_holds_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "vm_holds_stripe_object_id_key" ON "vm_holds"("stripe_object_id");

-- CreateIndex
CREATE UNIQUE INDEX "vm_holds_active_key_key" ON "vm_holds"("active_key");

-- CreateIndex
CREATE INDEX "vm_holds_vm_id_lifted_at_idx" ON "vm_holds"("vm_id", "lifted_at");
