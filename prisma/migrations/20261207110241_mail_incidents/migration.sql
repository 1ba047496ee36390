-- CreateTable
CREATE TABLE "mail_incidents" (
    "id" TEXT NOT NULL,
    "open_key" TEXT,
    "error" TEXT NOT NULL,
    "opened_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMP(3),

    CONSTRAINT "mail_incidents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mail_pace" (
    "id" TEXT NOT NULL,
    "next_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "mail_pace_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "mail_incidents_open_key_key" ON "mail_incidents"("open_key");
