import type { FormState } from "@/lib/actions/form-state";

export function FormMessage({ state }: { state: FormState }) {
  if (!state.message) return null;
  const tone = state.status === "error" ? "border-danger-600/30 bg-danger-50 text-danger-700" : "border-success-600/30 bg-success-50 text-success-700";
  return (
    <div role="alert" data-testid="form-message" className={`rounded-lg border px-3 py-2 text-sm ${tone}`}>
      {state.message}
    </div>
  );
}
