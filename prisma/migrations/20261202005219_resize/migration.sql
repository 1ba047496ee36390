-- CreateEnum
CREATE TYPE "ResourceKind" AS ENUM ('vcpu', 'ram_gb', 'disk_gb');

-- CreateEnum
CREATE TYPE "ResizeStatus" AS ENUM ('quoted', 'awaiting_payment', 'paid', 'applying', 'applied', 'failed', 'expired', 'canceled');

-- AlterTable
ALTER TABLE "plans" ADD COLUMN     "max_disk_gb" INTEGER,
ADD COLUMN     "max_ram_gb" INTEGER,
ADD COLUMN     "max_vcpus" INTEGER;

-- CreateTable
CREATE TABLE "resource_prices" (
    "id" TEXT NOT NULL,
    "kind" "ResourceKind" NOT NULL,
    "unit_amount_minor" INTEGER NOT NULL,
    "currency" TEXT NOT NULL DEFAULT 'usd',
    "step_gb" INTEGER NOT NULL DEFAULT 1,
    "stripe_price_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "resource_prices_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "resize_requests" (
    "id" TEXT NOT NULL,
    "vm_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "stripe_subscription_id" TEXT NOT NULL,
    "open_key" TEXT,
    "status" "ResizeStatus" NOT NULL DEFAULT 'quoted',
    "from_vcpus" INTEGER NOT NULL,
    "from_ram_gb" INTEGER NOT NULL,
    "from_disk_gb" INTEGER NOT NULL,
    "vcpus" INTEGER NOT NULL,
    "ram_gb" INTEGER NOT NULL,
    "disk_gb" INTEGER NOT NULL,
    "proration_date" INTEGER NOT NULL,
    "amount_due_minor" INTEGER NOT NULL,
    "new_monthly_minor" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "target_items" JSONB NOT NULL,
    "stripe_invoice_id" TEXT,
    "hosted_invoice_url" TEXT,
    "customer_message" TEXT,
    "failure_reason" TEXT,
    "was_running" BOOLEAN,
    "apply_attempt" INTEGER NOT NULL DEFAULT 1,
    "progress_step" TEXT,
    "paid_at" TIMESTAMP(3),
    "applied_at" TIMESTAMP(3),
    "finished_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "resize_requests_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "resource_prices_kind_key" ON "resource_prices"("kind");

-- CreateIndex
CREATE UNIQUE INDEX "resize_requests_open_key_key" ON "resize_requests"("open_key");

-- CreateIndex
CREATE INDEX "resize_requests_vm_id_created_at_idx" ON "resize_requests"("vm_id", "created_at");

-- CreateIndex
CREATE INDEX "resize_requests_stripe_subscription_id_status_idx" ON "resize_requests"("stripe_subscription_id", "status");

-- CreateIndex
CREATE INDEX "resize_requests_status_updated_at_idx" ON "resize_requests"("status", "updated_at");

-- AddForeignKey
ALTER TABLE "resize_requests" ADD CONSTRAINT "resize_requests_vm_id_fkey" FOREIGN KEY ("vm_id") REFERENCES "vms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
