-- CreateTable
CREATE TABLE "reconcile_findings" (
    "id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "evidence" JSONB NOT NULL DEFAULT '{}',
    "action" TEXT NOT NULL,
    "destructive" BOOLEAN NOT NULL DEFAULT false,
    "open_key" TEXT,
    "first_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMP(3),
    "apply_requested_at" TIMESTAMP(3),
    "applied_at" TIMESTAMP(3),
    "applied_by" TEXT,
    "apply_result" TEXT,

    CONSTRAINT "reconcile_findings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "reconcile_findings_open_key_key" ON "reconcile_findings"("open_key");

-- CreateIndex
CREATE INDEX "reconcile_findings_resolved_at_first_seen_at_idx" ON "reconcile_findings"("resolved_at", "first_seen_at");
