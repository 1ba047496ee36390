-- CreateTable
CREATE TABLE "service_marks" (
    "key" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "detail" TEXT,

    CONSTRAINT "service_marks_pkey" PRIMARY KEY ("key")
);
