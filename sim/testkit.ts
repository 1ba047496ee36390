// What the app's own tests, browser tests and benchmarks use from the stand-ins: the package's
// second entry point (`@lab-vps/sim/testkit`; the first, `@lab-vps/sim`, starts them: ./launch.ts).
// Anything else inside sim/ is the stand-ins' own business and may change without notice.

// Inngest: the stand-in and an app serving functions to it (startSim, startApp are Inngest's).
export type { InngestSimHandle } from "./inngest/index";
export type { RunView } from "./inngest/state";
export { quietLogger, startApp, startSim, type TestApp } from "./inngest/testkit";
// Stripe: one stand-in of a test's own (its options: a clock, failures to inject).
export { startStripeSim, type StripeSimHandle, type StripeSimOptions } from "./stripe/index";
// Proxmox: the guest's cloud-init parser, the console's RFB client and text screen, a PVE client.
export { parseUserData } from "./proxmox/guest-cloud-init";
export { captureFramebuffer, openConsole, vncPasswordOf, vncResponse, type VncProxyTicket } from "./proxmox/rfb-client";
export { PALETTE, TextScreen } from "./proxmox/screen";
export { cloneReady, PveClient, startTestSim } from "./proxmox/testkit";
