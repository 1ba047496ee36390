import type { NextRequest } from "next/server";
import { handlers } from "@/lib/auth";
import { sanitizeAuthRequest } from "@/lib/auth/sanitize-auth-request";

export const GET = (request: NextRequest) => handlers.GET(sanitizeAuthRequest(request));
export const POST = (request: NextRequest) => handlers.POST(sanitizeAuthRequest(request));
