"use server";
// The console page's action: a one-time token for the owner's running VM, plus the browser
// binding cookie the broker checks with it. Another user's VM is a 404 (I5).
import { cookies } from "next/headers";
import { notFound } from "next/navigation";
import { z } from "zod";
import type { FormState } from "@/lib/actions/form-state";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import { CONSOLE_BINDING_COOKIE, CONSOLE_WS_PATH } from "@/lib/console/console-rules";
import { issueConsoleToken, newSecret } from "@/lib/console/console-token";
import { env } from "@/lib/env";

export type ConsoleTokenState = FormState & { url?: string; notRunning?: boolean };

export const openConsoleFormAction = validatedActionWithUser(
  z.object({ vmId: z.string().trim().min(1).max(64) }),
  async ({ vmId }, { user }): Promise<ConsoleTokenState> => {
    const binding = newSecret();
    const result = await issueConsoleToken({ userId: user.id, vmId, binding });
    if (result.kind === "not_found") notFound();
    if (result.kind === "not_running") return { status: "error", notRunning: true, message: "The VM is not running. Start it to use the console." };
    if (result.kind === "payment_required") return { status: "error", message: result.message };
    if (result.kind === "rate_limited") return { status: "error", message: "Too many console connections in the last minute. Wait a moment, then reconnect." };
    (await cookies()).set(CONSOLE_BINDING_COOKIE, binding, {
      httpOnly: true,
      sameSite: "strict",
      secure: env().APP_URL.startsWith("https://"),
      path: CONSOLE_WS_PATH,
      maxAge: 60,
    });
    return { status: "success", url: `${CONSOLE_WS_PATH}?t=${result.token}` };
  },
);
