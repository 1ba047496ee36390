// What the VM's pages follow while work runs on it (power, resize, …: lib/work/vm-work.ts): our
// record only (the page never asks Proxmox, I2), for the owner only (I5: anyone else, signed in
// or not, gets the same 404 as an unknown id).
import { customerRoute } from "@/lib/http/customer-route";
import { loadVmWork } from "@/lib/work/vm-work";

export const dynamic = "force-dynamic";

export const GET = customerRoute(({ user, params }) => loadVmWork(user.id, params.id));
