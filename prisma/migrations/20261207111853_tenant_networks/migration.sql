-- CreateEnum
CREATE TYPE "NetworkMode" AS ENUM ('sdn', 'bridge');

-- CreateEnum
CREATE TYPE "SdnZoneType" AS ENUM ('simple', 'vlan', 'vxlan');

-- CreateEnum
CREATE TYPE "CustomerNetworkStatus" AS ENUM ('creating', 'ready', 'removing');

-- CreateEnum
CREATE TYPE "FirewallProtocol" AS ENUM ('tcp', 'udp', 'icmp');

-- AlterTable
ALTER TABLE "vms" ADD COLUMN     "firewall_allow_all_own" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "firewall_applied_revision" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "firewall_checked_at" TIMESTAMP(3),
ADD COLUMN     "firewall_revision" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "ip_address" TEXT,
ADD COLUMN     "mac_address" TEXT,
ADD COLUMN     "network_id" TEXT;

-- CreateTable
CREATE TABLE "network_settings" (
    "id" TEXT NOT NULL DEFAULT 'cluster',
    "mode" "NetworkMode" NOT NULL DEFAULT 'sdn',
    "sdn_zone" TEXT NOT NULL DEFAULT 'labvps',
    "sdn_zone_type" "SdnZoneType" NOT NULL DEFAULT 'vlan',
    "tag_min" INTEGER,
    "tag_max" INTEGER,
    "address_pool" TEXT NOT NULL DEFAULT '10.240.0.0/16',
    "subnet_prefix" INTEGER NOT NULL DEFAULT 24,
    "host_first" INTEGER NOT NULL DEFAULT 10,
    "host_last" INTEGER NOT NULL DEFAULT 250,
    "bridge" TEXT NOT NULL DEFAULT 'vmbr0',
    "bridge_subnet" TEXT,
    "bridge_gateway" TEXT,
    "nameservers" TEXT NOT NULL DEFAULT '1.1.1.1 9.9.9.9',
    "management_cidrs" TEXT NOT NULL DEFAULT '192.168.100.0/24',
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "network_settings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "customer_networks" (
    "id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "slot" INTEGER NOT NULL,
    "zone" TEXT NOT NULL,
    "vnet" TEXT NOT NULL,
    "tag" INTEGER,
    "subnet" TEXT NOT NULL,
    "gateway" TEXT NOT NULL,
    "status" "CustomerNetworkStatus" NOT NULL DEFAULT 'creating',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "customer_networks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vm_firewall_rules" (
    "id" TEXT NOT NULL,
    "vm_id" TEXT NOT NULL,
    "protocol" "FirewallProtocol" NOT NULL,
    "ports" TEXT,
    "comment" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vm_firewall_rules_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "customer_networks_user_id_key" ON "customer_networks"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "customer_networks_slot_key" ON "customer_networks"("slot");

-- CreateIndex
CREATE UNIQUE INDEX "customer_networks_vnet_key" ON "customer_networks"("vnet");

-- CreateIndex
CREATE UNIQUE INDEX "customer_networks_subnet_key" ON "customer_networks"("subnet");

-- CreateIndex
CREATE UNIQUE INDEX "customer_networks_zone_tag_key" ON "customer_networks"("zone", "tag");

-- CreateIndex
CREATE INDEX "vm_firewall_rules_vm_id_created_at_idx" ON "vm_firewall_rules"("vm_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "vms_ip_address_key" ON "vms"("ip_address");

-- CreateIndex
CREATE INDEX "vms_network_id_idx" ON "vms"("network_id");

-- AddForeignKey
ALTER TABLE "vms" ADD CONSTRAINT "vms_network_id_fkey" FOREIGN KEY ("network_id") REFERENCES "customer_networks"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "customer_networks" ADD CONSTRAINT "customer_networks_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "vm_firewall_rules" ADD CONSTRAINT "vm_firewall_rules_vm_id_fkey" FOREIGN KEY ("vm_id") REFERENCES "vms"("id") ON DELETE CASCADE ON UPDATE CASCADE;
