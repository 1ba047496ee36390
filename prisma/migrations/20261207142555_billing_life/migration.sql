-- CreateEnum
CREATE TYPE "OrderKind" AS ENUM ('new_vm', 'restore');

-- AlterEnum
ALTER TYPE "OrderStatus" ADD VALUE 'canceled';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "BillingState" ADD VALUE 'ended';
ALTER TYPE "BillingState" ADD VALUE 'superseded';

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "stripe_test_clock_id" TEXT;

-- AlterTable
ALTER TABLE "orders" ADD COLUMN     "kind" "OrderKind" NOT NULL DEFAULT 'new_vm',
ADD COLUMN     "refund_deadline_at" TIMESTAMP(3),
ADD COLUMN     "restores_vm_id" TEXT;

-- AlterTable
ALTER TABLE "billing_enforcements" ADD COLUMN     "end_reason" TEXT;

-- CreateTable
CREATE TABLE "billing_clocks" (
    "id" TEXT NOT NULL,
    "frozen_time" TIMESTAMP(3) NOT NULL,
    "status" TEXT NOT NULL,
    "read_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "billing_clocks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "subscription_previews" (
    "subscription_id" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "amount_minor" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "renews_at" TIMESTAMP(3) NOT NULL,
    "read_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "subscription_previews_pkey" PRIMARY KEY ("subscription_id")
);
