-- CreateTable
CREATE TABLE "operator_incidents" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "detail" TEXT,
    "link" TEXT,
    "open_key" TEXT,
    "first_seen_at" TIMESTAMP(3) NOT NULL,
    "last_seen_at" TIMESTAMP(3) NOT NULL,
    "occurrences" INTEGER NOT NULL DEFAULT 1,
    "emailed_at" TIMESTAMP(3),
    "chatted_at" TIMESTAMP(3),
    "resolved_at" TIMESTAMP(3),

    CONSTRAINT "operator_incidents_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "operator_incidents_open_key_key" ON "operator_incidents"("open_key");

-- CreateIndex
CREATE INDEX "operator_incidents_kind_first_seen_at_idx" ON "operator_incidents"("kind", "first_seen_at");
