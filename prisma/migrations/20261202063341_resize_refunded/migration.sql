-- AlterEnum
ALTER TYPE "ResizeStatus" ADD VALUE 'refunded';
