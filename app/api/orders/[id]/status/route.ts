// The order page polls this for live status. Owner only: another user gets the same 404 as for a
// missing order (I5), a signed-out visitor a 401 whatever the id; the body is the customer-safe view (I4).
import { withUser } from "@/lib/http/with-user";
import { getOrderView } from "@/lib/orders/order-view";

export const dynamic = "force-dynamic";

export const GET = withUser(({ user, params }) => getOrderView(user.id, params.id));
