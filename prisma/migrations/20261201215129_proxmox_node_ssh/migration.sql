-- AlterTable
ALTER TABLE "proxmox_nodes" ADD COLUMN     "snippet_dir" TEXT NOT NULL DEFAULT '/var/lib/vz/snippets',
ADD COLUMN     "snippet_storage" TEXT NOT NULL DEFAULT 'local',
ADD COLUMN     "ssh_host" TEXT,
ADD COLUMN     "ssh_host_fingerprint" TEXT,
ADD COLUMN     "ssh_port" INTEGER NOT NULL DEFAULT 22;
