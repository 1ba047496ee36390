// The one shape every form action answers with, understood by components/forms.
export type FormState = {
  status: "idle" | "error" | "success";
  /** A message for the whole form (shown above the fields). */
  message?: string;
  /** One message per field name. */
  fieldErrors?: Record<string, string>;
  /** What the user typed, to refill the form after an error (never passwords). */
  values?: Record<string, string>;
};

export const idleState: FormState = { status: "idle" };
