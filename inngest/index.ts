// The functions served by app/api/inngest/route.ts. One function per file in ./functions.
import type { InngestFunction } from "inngest";

export const functions: InngestFunction.Any[] = [];
