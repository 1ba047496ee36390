-- AlterTable
ALTER TABLE "resize_requests" ADD COLUMN     "tax_minor" INTEGER;
