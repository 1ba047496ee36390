-- CreateEnum
CREATE TYPE "ResizeKind" AS ENUM ('upgrade', 'downgrade');

-- AlterEnum
ALTER TYPE "ResizeStatus" ADD VALUE 'scheduled' AFTER 'awaiting_payment';

-- AlterTable
ALTER TABLE "resize_requests" ADD COLUMN     "effective_at" TIMESTAMP(3),
ADD COLUMN     "kind" "ResizeKind" NOT NULL DEFAULT 'upgrade',
ADD COLUMN     "stripe_schedule_id" TEXT;
