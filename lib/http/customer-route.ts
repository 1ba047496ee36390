// The one wrapper for customer JSON routes (the GET side of validatedActionWithUser): the signed-in
// user in the context, path ids bounded, the query validated with zod (400 with field errors), and
// one error shape. A handler answers the owner's view or null, and null — like no session — is the
// same 404 as an unknown id (I5). Answers are never cached (each is one user's own state), and
// only a UserFacingError's message reaches the browser (I4).
import "server-only";
import { z } from "zod";
import { UserFacingError } from "@/lib/errors";
import { fieldErrorsOf } from "@/lib/actions/validated-action";
import { getUser, type SessionUser } from "@/lib/auth/session";
import { isRouteId } from "@/lib/http/route-id";

const NO_STORE = { "cache-control": "no-store" } as const;

/** A customer-safe refusal with its HTTP status (e.g. a service we depend on is down: 503). */
export class RouteError extends UserFacingError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "RouteError";
  }
}

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };
type Handler<Q extends z.ZodType> = (ctx: { user: SessionUser; params: Record<string, string>; query: z.output<Q>; request: Request }) => Promise<unknown>;

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: NO_STORE });
export const notFoundResponse = () => json({ error: "Not found" }, 404);

function statusOf(error: UserFacingError): number {
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" && status >= 400 && status < 600 ? status : 409;
}

export function customerRoute<Q extends z.ZodType = z.ZodObject<Record<string, never>>>(handler: Handler<Q>, options: { query?: Q } = {}) {
  return async (request: Request, context: RouteContext): Promise<Response> => {
    const user = await getUser();
    if (!user) return notFoundResponse();
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(await context.params)) {
      if (!isRouteId(value)) return notFoundResponse();
      params[key] = value;
    }
    const schema = options.query ?? z.object({});
    const parsed = schema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!parsed.success) return json({ error: "Invalid request", fieldErrors: fieldErrorsOf(parsed.error) }, 400);
    try {
      const body = await handler({ user, params, query: parsed.data as z.output<Q>, request });
      return body === null || body === undefined ? notFoundResponse() : json(body);
    } catch (error) {
      if (error instanceof UserFacingError) return json({ error: error.message }, statusOf(error));
      console.error("route failed", new URL(request.url).pathname, error instanceof Error ? error.name : typeof error);
      return json({ error: "Something went wrong on our side. Please try again." }, 500);
    }
  };
}
