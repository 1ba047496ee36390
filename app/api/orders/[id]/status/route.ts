// The order page polls this for live status. Owner only: anyone else, signed in or not, gets the
// same 404 as for a missing order (I5); the body is the customer-safe view (I4).
import { getUser } from "@/lib/auth/session";
import { getOrderView } from "@/lib/orders/order-view";

export const dynamic = "force-dynamic";

const headers = { "cache-control": "no-store" };

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await getUser();
  const view = user ? await getOrderView(user.id, id) : null;
  if (!view) return Response.json({ error: "Not found" }, { status: 404, headers });
  return Response.json(view, { headers });
}
