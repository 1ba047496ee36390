// What the VM's pages follow while work runs on it (power, resize, …: lib/work/vm-work.ts): our
// record only (the page never asks Proxmox, I2), for the owner only (I5: another user gets the same
// 404 as an unknown id; a signed-out visitor a 401, whatever the id).
import { withUser } from "@/lib/http/with-user";
import { loadVmWork } from "@/lib/work/vm-work";

export const dynamic = "force-dynamic";

export const GET = withUser(({ user, params }) => loadVmWork(user.id, params.id));
