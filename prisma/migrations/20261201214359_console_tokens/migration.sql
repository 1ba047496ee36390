-- CreateTable
CREATE TABLE "console_tokens" (
    "id" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "binding_hash" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "vm_id" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "used_at" TIMESTAMP(3),
    "opened_at" TIMESTAMP(3),
    "closed_at" TIMESTAMP(3),
    "close_reason" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "console_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "console_tokens_token_hash_key" ON "console_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "console_tokens_user_id_created_at_idx" ON "console_tokens"("user_id", "created_at");

-- CreateIndex
CREATE INDEX "console_tokens_vm_id_created_at_idx" ON "console_tokens"("vm_id", "created_at");

-- AddForeignKey
ALTER TABLE "console_tokens" ADD CONSTRAINT "console_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "console_tokens" ADD CONSTRAINT "console_tokens_vm_id_fkey" FOREIGN KEY ("vm_id") REFERENCES "vms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
