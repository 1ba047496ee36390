// The one wrapper for customer JSON routes (the HTTP side of validatedActionWithUser): the signed-in
// user in the context, path params, query and body validated with zod, and one error shape.
//   no session                      → 401 (the same for every id, so it reveals nothing)
//   a param out of shape            → 404 (an id we could never have issued is an unknown id)
//   query or body out of shape      → 400 with field errors (I10)
//   handler answers null, or throws NotFoundError → 404, the same body as an unknown id (I5)
//   PaymentRequiredError            → 402 with its message
//   another UserFacingError         → its `status` (4xx/5xx) or 409, with its message
//   anything else                   → 500 with a fixed sentence: upstream text never leaves (I4)
// Answers are never cached: each is one user's own state.
import "server-only";
import { z } from "zod";
import { NotFoundError, PaymentRequiredError, UserFacingError } from "@/lib/errors";
import { fieldErrorsOf } from "@/lib/actions/validated-action";
import { getUser, type SessionUser } from "@/lib/auth/session";
import { log } from "@/lib/observability/log";
import { MAX_ID_LENGTH } from "@/lib/http/route-id";

const NO_STORE = { "cache-control": "no-store" } as const;

/** The default shape of every path param: one of our ids (cuid-like, never longer than 64). */
export const routeIdSchema = z.string().min(1).max(MAX_ID_LENGTH);

type AnyObject = z.ZodType<Record<string, unknown>>;
type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };
type Options<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> = { params?: P; query?: Q; body?: B };
type Handler<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> = (ctx: {
  user: SessionUser;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  request: Request;
}) => Promise<unknown>;

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: NO_STORE });
const notFound = () => json({ error: "Not found" }, 404);
const invalid = (error: z.ZodError) => json({ error: "Invalid request", fieldErrors: fieldErrorsOf(error) }, 400);

/** Every param an id unless the route says otherwise. */
const idParams = z.record(z.string(), routeIdSchema);
const noQuery = z.object({});

function statusOf(error: UserFacingError): number {
  if (error instanceof NotFoundError) return 404;
  if (error instanceof PaymentRequiredError) return 402;
  const status = (error as { status?: unknown }).status;
  return typeof status === "number" && status >= 400 && status < 600 ? status : 409;
}

async function readBody(request: Request): Promise<{ ok: true; value: unknown } | { ok: false }> {
  const text = await request.text();
  if (text === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

export function withUser<P extends AnyObject = typeof idParams, Q extends AnyObject = typeof noQuery, B extends z.ZodType = z.ZodUndefined>(
  handler: Handler<P, Q, B>,
  options: Options<P, Q, B> = {},
) {
  return async (request: Request, context: RouteContext): Promise<Response> => {
    const user = await getUser();
    if (!user) return json({ error: "Sign in to continue." }, 401);
    // A default stands in for an absent schema, and its output is what the default type says.
    const params = ((options.params ?? idParams) as P).safeParse(await context.params);
    if (!params.success) return notFound();
    const query = ((options.query ?? noQuery) as Q).safeParse(Object.fromEntries(new URL(request.url).searchParams));
    if (!query.success) return invalid(query.error);
    let body: z.output<B> = undefined as z.output<B>;
    if (options.body) {
      const raw = await readBody(request);
      if (!raw.ok) return json({ error: "Invalid request", fieldErrors: { form: "The body is not valid JSON." } }, 400);
      const parsed = options.body.safeParse(raw.value);
      if (!parsed.success) return invalid(parsed.error);
      body = parsed.data;
    }
    try {
      const answer = await handler({ user, params: params.data, query: query.data, body, request });
      return answer === null || answer === undefined ? notFound() : json(answer);
    } catch (error) {
      if (error instanceof NotFoundError) return notFound();
      if (error instanceof UserFacingError) return json({ error: error.message }, statusOf(error));
      log("route").error({ path: new URL(request.url).pathname, err: { name: error instanceof Error ? error.name : typeof error } }, "route failed");
      return json({ error: "Something went wrong on our side. Please try again." }, 500);
    }
  };
}
