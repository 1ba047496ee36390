// The order page polls this for live status. Owner only: anyone else, signed in or not, gets the
// same 404 as for a missing order (I5); the body is the customer-safe view (I4).
import { customerRoute } from "@/lib/http/customer-route";
import { getOrderView } from "@/lib/orders/order-view";

export const dynamic = "force-dynamic";

export const GET = customerRoute(({ user, params }) => getOrderView(user.id, params.id));
