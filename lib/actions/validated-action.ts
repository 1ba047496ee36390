// The wrapper every server action goes through: session (where required) + zod + one error shape.
// Next.js already rejects cross-origin action posts (Origin must match Host): CSRF-safe by default.
import "server-only";
import { z } from "zod";
import { unstable_rethrow } from "next/navigation";
import { type FormState } from "@/lib/actions/form-state";
import { FieldError, UserFacingError } from "@/lib/errors";
import { requireAdmin, requireUser, type SessionUser } from "@/lib/auth/session";
import { log } from "@/lib/observability/log";

// A handler answers FormState, or a form's own state with extra optional fields (a console URL, a
// revealed password) declared in its return type; the wrapped action is typed with that state, so
// an actions.ts file exports the wrapped action itself (no pass-through function, no cast).
type Handler<S extends z.ZodType, Ctx, R extends FormState> = (data: z.output<S>, ctx: Ctx) => Promise<R | void>;
/** FormState plus the handler's extra fields, optional: the wrapper's own answers carry none. A
 * handler that only redirects (R = never) gives plain FormState. */
export type StateOf<R extends FormState> = [R] extends [never] ? FormState : FormState & Partial<Omit<R, keyof FormState>>;
export type FormAction<State extends FormState = FormState> = (previous: State, formData: FormData) => Promise<State>;

const SECRET_FIELD = /password|secret|token/i;

function echoValues(formData: FormData): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of formData) {
    if (typeof value === "string" && !key.startsWith("$") && !SECRET_FIELD.test(key)) values[key] = value;
  }
  return values;
}

export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const fieldErrors: Record<string, string> = {};
  for (const issue of error.issues) {
    const field = issue.path.join(".") || "form";
    fieldErrors[field] ??= issue.message;
  }
  return fieldErrors;
}

function run<S extends z.ZodType, Ctx, R extends FormState>(schema: S, getCtx: () => Promise<Ctx>, handler: Handler<S, Ctx, R>): FormAction<StateOf<R>> {
  const answer = async (formData: FormData): Promise<R | FormState> => {
    const ctx = await getCtx();
    const values = echoValues(formData);
    const parsed = schema.safeParse(Object.fromEntries(formData));
    if (!parsed.success) return { status: "error", fieldErrors: fieldErrorsOf(parsed.error), values };
    try {
      return (await handler(parsed.data, ctx)) ?? { status: "success" };
    } catch (error) {
      unstable_rethrow(error); // redirect(), notFound() and friends are control flow, not failures
      if (error instanceof FieldError) return { status: "error", fieldErrors: { [error.field]: error.message }, values };
      if (error instanceof UserFacingError) return { status: "error", message: error.message, values };
      log("action").error({ err: { name: error instanceof Error ? error.name : typeof error } }, "action failed");
      return { status: "error", message: "Something went wrong on our side. Please try again.", values };
    }
  };
  // Both R and a plain FormState are a StateOf<R> (its extra fields are optional); TypeScript cannot
  // see that through the generic conditional type, so it is said once, here.
  return async (_previous, formData) => (await answer(formData)) as StateOf<R>;
}

/** For forms a signed-out visitor uses (sign up, sign in). */
export function validatedAction<S extends z.ZodType, R extends FormState>(schema: S, handler: Handler<S, Record<string, never>, R>) {
  return run(schema, async () => ({}), handler);
}

/** For everything else: the signed-in user is in the context, or the visitor is sent to sign in. */
export function validatedActionWithUser<S extends z.ZodType, R extends FormState>(schema: S, handler: Handler<S, { user: SessionUser }, R>) {
  return run(schema, async () => ({ user: await requireUser() }), handler);
}

/** Operator actions: customers get 403. */
export function validatedAdminAction<S extends z.ZodType, R extends FormState>(schema: S, handler: Handler<S, { user: SessionUser }, R>) {
  return run(schema, async () => ({ user: await requireAdmin() }), handler);
}
