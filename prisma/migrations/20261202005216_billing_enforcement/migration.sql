-- CreateEnum
CREATE TYPE "BillingState" AS ENUM ('active', 'canceled_at_period_end', 'past_due', 'final_warning', 'backups_blocked', 'suspended', 'retained', 'pending_deletion', 'deleted');

-- CreateTable
CREATE TABLE "billing_enforcements" (
    "id" TEXT NOT NULL,
    "subscription_id" TEXT NOT NULL,
    "stripe_subscription_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "order_id" TEXT NOT NULL,
    "state" "BillingState" NOT NULL DEFAULT 'active',
    "overdue_since" TIMESTAMP(3),
    "ended_at" TIMESTAMP(3),
    "grace_until" TIMESTAMP(3),
    "warning_sent_at" TIMESTAMP(3),
    "final_warning_sent_at" TIMESTAMP(3),
    "backups_blocked_at" TIMESTAMP(3),
    "suspended_at" TIMESTAMP(3),
    "power_before_suspend" TEXT,
    "onboot_before_suspend" BOOLEAN,
    "suspend_done_at" TIMESTAMP(3),
    "retain_until" TIMESTAMP(3),
    "pending_deletion_at" TIMESTAMP(3),
    "deletion_approved_at" TIMESTAMP(3),
    "deletion_approved_by" TEXT,
    "deleted_at" TIMESTAMP(3),
    "restored_at" TIMESTAMP(3),
    "last_stripe_event_at" TIMESTAMP(3),
    "last_action" TEXT,
    "last_action_at" TIMESTAMP(3),
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "billing_enforcements_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "billing_enforcements_subscription_id_key" ON "billing_enforcements"("subscription_id");

-- CreateIndex
CREATE UNIQUE INDEX "billing_enforcements_stripe_subscription_id_key" ON "billing_enforcements"("stripe_subscription_id");

-- CreateIndex
CREATE UNIQUE INDEX "billing_enforcements_order_id_key" ON "billing_enforcements"("order_id");

-- CreateIndex
CREATE INDEX "billing_enforcements_state_idx" ON "billing_enforcements"("state");

-- CreateIndex
CREATE INDEX "billing_enforcements_user_id_state_idx" ON "billing_enforcements"("user_id", "state");
