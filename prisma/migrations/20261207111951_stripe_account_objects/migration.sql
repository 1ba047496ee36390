-- CreateTable
CREATE TABLE "stripe_account_objects" (
    "purpose" TEXT NOT NULL,
    "stripe_id" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "stripe_account_objects_pkey" PRIMARY KEY ("purpose")
);
