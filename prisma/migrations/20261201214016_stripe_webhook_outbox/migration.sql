-- AlterTable
ALTER TABLE "stripe_events" ADD COLUMN     "forward_after" TIMESTAMP(3),
ADD COLUMN     "forward_attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "forward_error" TEXT,
ADD COLUMN     "object_id" TEXT,
ADD COLUMN     "stripe_created" INTEGER;

-- CreateIndex
CREATE INDEX "stripe_events_forwarded_at_received_at_idx" ON "stripe_events"("forwarded_at", "received_at");
