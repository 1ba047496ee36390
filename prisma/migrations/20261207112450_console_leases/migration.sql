-- AlterTable
ALTER TABLE "console_tokens" ADD COLUMN     "close_request" TEXT,
ADD COLUMN     "held_by" TEXT,
ADD COLUMN     "held_until" TIMESTAMP(3);
