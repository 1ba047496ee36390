// The one Inngest client. In development INNGEST_DEV points the SDK at the dev server or the
// local stand-in (sim/inngest); in production INNGEST_EVENT_KEY/INNGEST_SIGNING_KEY are read by
// the SDK from the environment.
import { Inngest } from "inngest";
import { ObservabilityMiddleware } from "@/lib/observability/inngest-observer";
import { StepErrorMiddleware } from "@/lib/jobs/step-errors";

// The middleware puts each request's run id on every log line and feeds the metrics (lib/observability),
// and maps every step's error to retry soon, retry later or stop (the one step-error path).
export const inngest = new Inngest({ id: "lab-vps", middleware: [ObservabilityMiddleware, StepErrorMiddleware] });
