// The Proxmox stand-in for bench/console.ts in its own process (so neither the clients nor the
// relays share its event loop): one running VM (100) and the plain RFB port. Prints one JSON line.
import { cloneReady, startTestSim } from "@lab-vps/sim/testkit";

const t = await startTestSim({ vncTcpPort: 0, shortTaskDurationMs: 10, vncTicketTtlMs: 10_000 });
await cloneReady(t, 100);
await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/100/status/start"));
const { env, apiBase, caCertPem, caCertPath, tokenId, tokenSecret, vncTcpPort } = t.sim;
console.log(JSON.stringify({ env: { ...env, PROXMOX_CA_CERT_FILE: caCertPath }, apiBase, caCertPem, tokenId, tokenSecret, vncTcpPort }));
process.on("SIGTERM", () => void t.stop().finally(() => process.exit(0)));
process.on("disconnect", () => void t.stop().finally(() => process.exit(0)));
