-- AlterTable
ALTER TABLE "vms" ADD COLUMN     "access_app_id" TEXT,
ADD COLUMN     "access_policy_id" TEXT,
ADD COLUMN     "eve_admin_password_ciphertext" TEXT,
ADD COLUMN     "host_label" TEXT;

-- CreateTable
CREATE TABLE "issued_hostnames" (
    "label" TEXT NOT NULL,
    "vm_id" TEXT NOT NULL,
    "issued_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "issued_hostnames_pkey" PRIMARY KEY ("label")
);

-- CreateIndex
CREATE INDEX "issued_hostnames_vm_id_idx" ON "issued_hostnames"("vm_id");

-- CreateIndex
CREATE UNIQUE INDEX "vms_host_label_key" ON "vms"("host_label");
