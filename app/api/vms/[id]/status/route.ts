// What the VM page polls while a power request runs: our record only (the page never asks
// Proxmox, I2), for the owner only (I5: anyone else gets the same 404 as an unknown id).
import { NextResponse } from "next/server";
import { getUser } from "@/lib/auth/session";
import { loadVmStatus } from "@/lib/vms/vm-view";

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const user = await getUser();
  if (!user) return NextResponse.json({ error: "Sign in to see this VM." }, { status: 401 });
  const { id } = await params;
  const view = id.length <= 64 ? await loadVmStatus(user.id, id) : null;
  if (!view) return NextResponse.json({ error: "Not found" }, { status: 404 });
  return NextResponse.json(view, { headers: { "cache-control": "no-store" } });
}
