// Proxmox VE stand-in: HTTPS API on `port` (PVE's 8006), SSH/SFTP on `sshPort`, console
// WebSocket on the API port. The app's real client talks to it unchanged.
import { closeServer, listen } from "../shared/http";
import type { LoggedRequest } from "./activity";
import type { ProxmoxNodeSpec, ProxmoxTemplateSpec } from "./cluster";
import { DEFAULT_NETWORK, type NetworkSetup, Sim, type SimSettings } from "./context";
import { createControl, simState, vmView } from "./control";
import { createNetworkControl, type NetworkControl, networkState } from "./network-control";
import type { Fault, FaultSpec } from "./faults";
import { loadMaterial, loadNodeHostKey } from "./material";
import type { AclEntry, PveVersion } from "./permissions";
import { clusterRoutes } from "./routes/cluster";
import { qemuRoutes } from "./routes/qemu";
import { rrdRoutes } from "./routes/rrd";
import { SAMPLE_MS } from "./rrd";
import type { GuestNetwork } from "./guest";
import { firewallRoutes } from "./routes/firewall";
import { sdnRoutes } from "./routes/sdn";
import { storageRoutes } from "./routes/storage";
import { createApiServer } from "./server";
import { createSshServer } from "./ssh";
import type { Task } from "./tasks";
import { VncService } from "./vnc";

export type { AclEntry, FaultSpec, Fault, LoggedRequest, ProxmoxNodeSpec, ProxmoxTemplateSpec, PveVersion, Task };

const GiB = 1024 ** 3;

export interface ProxmoxSimOptions {
  /** HTTPS API port; 0 picks a free one. Env PROXMOX_SIM_PORT. */
  port: number;
  /** SSH/SFTP port; 0 picks a free one. Env PROXMOX_SIM_SSH_PORT. */
  sshPort: number;
  host: string;
  /** Where the CA, certificates and SSH keys are kept across restarts. Env SIM_STATE_DIR. */
  stateDir: string;
  tokenId: string;
  tokenSecret: string;
  nodes: Array<Pick<ProxmoxNodeSpec, "name"> & Partial<ProxmoxNodeSpec>>;
  templates: ProxmoxTemplateSpec[];
  /** Clone task duration. Env PROXMOX_SIM_TASK_MS. */
  taskDurationMs: number;
  /** Other tasks; defaults to a third of taskDurationMs. */
  shortTaskDurationMs?: number;
  latencyMs: number;
  vncTicketTtlMs: number;
  snippetsDir: string;
  /** Plain TCP port serving the console's RFB stream (security None) for bench/console; unset = off. Env PROXMOX_SIM_VNC_TCP_PORT. */
  vncTcpPort?: number;
  /** Extra OpenSSH public key lines allowed to log in (the generated client key always is). */
  authorizedKeys: string[];
  /**
   * Which Proxmox VE to behave as (env PROXMOX_SIM_PVE_VERSION, 8 or 9): version strings, error
   * bodies, privilege names, and the console's vncproxy (PVE 8: password only with
   * generate-password=1). Live in `settings.pveVersion`, so one run can test both.
   */
  pveVersion: PveVersion;
  /** The token's ACL; null (default) = every privilege on every path. */
  acl: AclEntry[] | null;
  /** Guest agent up after start; cloud-init's first run after that (guest-agent.ts). Env PROXMOX_SIM_GUEST_BOOT_MS, PROXMOX_SIM_CLOUD_INIT_MS. */
  guestBootMs: number;
  cloudInitMs: number;
  /** The Cloudflare stand-in the guests' cloudflared connects to (sim/launch.ts links it). Env PROXMOX_SIM_CLOUDFLARE_URL. */
  cloudflareUrl?: string;
  /**
   * SDN (installed or not, its zones, applied on every node) and the datacenter firewall, as the
   * operator prepared them. Default: SDN with VLAN zone `labvps` on vmbr0 (IPAM pve, routed by the
   * operator's router), datacenter firewall on. Env PROXMOX_SIM_SDN=0 starts without SDN.
   */
  network: NetworkSetup;
}

/** One node's SSH daemon, as the operator would enter it for that node. */
export interface SimSshNode {
  node: string;
  host: string;
  port: number;
  /** `SHA256:<base64>` of that node's own host key. */
  hostFingerprint: string;
}

export type VmView = ReturnType<typeof vmView>;
export type Snippet = ReturnType<Sim["snippets"]>[number];

export interface ProxmoxSimHandle {
  name: "proxmox";
  url: string;
  apiBase: string;
  port: number;
  sshPort: number;
  /** The plain RFB port when vncTcpPort was given. */
  vncTcpPort?: number;
  host: string;
  caCertPem: string;
  caCertPath: string;
  sshClientKeyPath: string;
  sshClientPublicKey: string;
  /** `SHA256:<base64>` of the SSH host key, as `ssh-keygen -l` prints it. */
  sshHostFingerprint: string;
  /** Every node's SSH daemon (the first one is sshPort / sshHostFingerprint). */
  sshNodes: SimSshNode[];
  pveVersion: PveVersion;
  /** Replaces the token's ACL (null: every privilege). */
  setAcl(acl: AclEntry[] | null): void;
  tokenId: string;
  tokenSecret: string;
  snippetsDir: string;
  /** Live, mutable: task durations, latency, console ticket lifetime. */
  settings: SimSettings;
  /** The variables lib/env.ts reads to reach this stand-in. */
  env: Record<string, string>;
  close(): Promise<void>;
  vms(): VmView[];
  vm(vmid: number): VmView | undefined;
  tasks(): Task[];
  requestLog(sinceId?: number): LoggedRequest[];
  clearRequestLog(): void;
  snippets(): Snippet[];
  setFault(spec: FaultSpec): Fault;
  removeFault(id: number): boolean;
  clearFaults(): void;
  faults(): Fault[];
  /** Mutating API requests in progress + running tasks (console proxies excluded). */
  inFlight(): number;
  maxConcurrent(): number;
  resetConcurrency(): void;
  /** Sets or clears a `lock` property, as a backup job or another admin would. */
  setLock(vmid: number, lock: string | null): void;
  state(): ReturnType<typeof simState>;
  /**
   * The guests: their boot and QEMU agent (how the next ones boot: `guests.plans`), cloud-init,
   * their cloudflared connector and the services behind it (guest.ts, guest-agent.ts).
   */
  guests: GuestNetwork;
  /** SDN, firewall and the reachability model (also `/_sim/sdn`, `/_sim/firewall`, `/_sim/reachability`). */
  network: Pick<NetworkControl, "reach" | "matrix"> & { state(): ReturnType<typeof networkState> };
  /** Back to the initial templates; clears tasks, faults, log, snippets, tickets. */
  reset(): void;
  /** The stand-in's clock (backups, snapshots, `GET /nodes/{node}/time`). */
  clock: Sim["clock"];
  /** Backup volumes on every node's storage. */
  backups(): ReturnType<Sim["backups"]["list"]>;
  /** Whether a node's guests get nested virtualization (default true). */
  setNestedVirt(node: string, on: boolean): void;
}

export const DEFAULT_OPTIONS: ProxmoxSimOptions = {
  port: 18006,
  sshPort: 12222,
  host: "127.0.0.1",
  stateDir: ".data/sim",
  tokenId: "root@pam!labvps",
  tokenSecret: "sim-proxmox-token-secret",
  nodes: [{ name: "pve1" }],
  templates: [
    { vmid: 9000, name: "tpl-eve-ng", node: "pve1", tags: "eve-ng" },
    { vmid: 9001, name: "tpl-containerlab", node: "pve1", tags: "containerlab" },
  ],
  taskDurationMs: 300,
  latencyMs: 0,
  vncTicketTtlMs: 10_000,
  guestBootMs: 200,
  cloudInitMs: 300,
  pveVersion: 9,
  snippetsDir: "/var/lib/vz/snippets",
  authorizedKeys: [],
  acl: null,
  network: DEFAULT_NETWORK,
};

export function pveVersionFromEnv(value: string | undefined): PveVersion {
  if (value === undefined || value === "") return 9;
  if (value !== "8" && value !== "9") throw new Error(`PROXMOX_SIM_PVE_VERSION must be 8 or 9, not '${value}'`);
  return Number(value) as PveVersion;
}

export function proxmoxSimOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<ProxmoxSimOptions> {
  const opts: Partial<ProxmoxSimOptions> = {};
  if (env.PROXMOX_SIM_PORT) opts.port = Number(env.PROXMOX_SIM_PORT);
  if (env.PROXMOX_SIM_SSH_PORT) opts.sshPort = Number(env.PROXMOX_SIM_SSH_PORT);
  if (env.SIM_STATE_DIR) opts.stateDir = env.SIM_STATE_DIR;
  if (env.PROXMOX_TOKEN_ID) opts.tokenId = env.PROXMOX_TOKEN_ID;
  if (env.PROXMOX_TOKEN_SECRET) opts.tokenSecret = env.PROXMOX_TOKEN_SECRET;
  if (env.PROXMOX_SIM_TASK_MS) opts.taskDurationMs = Number(env.PROXMOX_SIM_TASK_MS);
  if (env.PROXMOX_SIM_GUEST_BOOT_MS) opts.guestBootMs = Number(env.PROXMOX_SIM_GUEST_BOOT_MS);
  if (env.PROXMOX_SIM_CLOUD_INIT_MS) opts.cloudInitMs = Number(env.PROXMOX_SIM_CLOUD_INIT_MS);
  opts.pveVersion = pveVersionFromEnv(env.PROXMOX_SIM_PVE_VERSION);
  if (env.PROXMOX_SIM_VNC_TCP_PORT) opts.vncTcpPort = Number(env.PROXMOX_SIM_VNC_TCP_PORT);
  if (env.PROXMOX_SIM_CLOUDFLARE_URL) opts.cloudflareUrl = env.PROXMOX_SIM_CLOUDFLARE_URL;
  if (env.PROXMOX_SIM_SDN === "0") opts.network = { ...DEFAULT_NETWORK, sdn: { enabled: false, zones: [] } };
  if (env.PROXMOX_SIM_NODES)
    opts.nodes = env.PROXMOX_SIM_NODES.split(",")
      .map((name) => ({ name: name.trim() }))
      .filter((n) => n.name);
  return opts;
}

export async function startProxmoxSim(input: Partial<ProxmoxSimOptions> = {}): Promise<ProxmoxSimHandle> {
  const opts: ProxmoxSimOptions = { ...DEFAULT_OPTIONS, ...input };
  const nodes: ProxmoxNodeSpec[] = opts.nodes.map((n) => ({ cores: 64, memoryBytes: 256 * GiB, diskBytes: 4096 * GiB, ...n }));
  // Template VMIDs are cluster-wide: node i gets its own pair at 9000 + 100·i (9100, 9101 on the second).
  const templates = input.templates ?? nodes.flatMap((n, i) => DEFAULT_OPTIONS.templates.map((t) => ({ ...t, vmid: t.vmid + 100 * i, node: n.name })));
  const material = await loadMaterial(opts.stateDir);
  const settings: SimSettings = {
    taskDurationMs: opts.taskDurationMs,
    shortTaskDurationMs: opts.shortTaskDurationMs ?? Math.round(opts.taskDurationMs / 3),
    latencyMs: opts.latencyMs,
    vncTicketTtlMs: opts.vncTicketTtlMs,
    pveVersion: opts.pveVersion,
    guestBootMs: opts.guestBootMs,
    cloudInitMs: opts.cloudInitMs,
    lockTimeoutMs: 10_000,
    guestSecondMs: 1_000,
    backupMBps: 0,
    cloneMBps: 0,
  };
  const sim = new Sim(opts.tokenId, nodes, templates, opts.snippetsDir, settings, opts.network);
  // pvestatd's 10-second pass over the guests (rrd.ts); rrddata samples once more before answering.
  const sampler = setInterval(() => sim.rrd.sample(sim.cluster), SAMPLE_MS);
  sampler.unref();
  const sshNodes: SimSshNode[] = [];
  sim.initialAcl = opts.acl;
  sim.permissions.set(opts.acl);
  const vnc = new VncService(sim, material.serverCertPem);
  const guests = sim.guests;
  await guests.start(opts.host);
  if (opts.cloudflareUrl) guests.linkCloudflare(opts.cloudflareUrl);
  const network = createNetworkControl(sim);
  const https = createApiServer(
    { key: material.serverKeyPem, cert: material.serverCertPem },
    {
      sim,
      routes: [...clusterRoutes, ...qemuRoutes, ...storageRoutes, ...rrdRoutes, ...sdnRoutes, ...firewallRoutes, vnc.route],
      vnc,
      tokenId: opts.tokenId,
      tokenSecret: opts.tokenSecret,
      control: createControl(sim, () => sshNodes, network),
    },
  );
  const authorized = [material.sshClientPublicKey, ...opts.authorizedKeys];
  // One SSH daemon per node, each with its own host key and port, as separate PVE hosts have.
  const hostKeys = nodes.map((n, i) =>
    i === 0 ? { key: material.sshHostKey, fingerprint: material.sshHostFingerprint } : loadNodeHostKey(opts.stateDir, n.name),
  );
  const sshServers = nodes.map((n, i) => createSshServer(sim, n.name, hostKeys[i].key, authorized));
  const port = await listen(https, opts.port, opts.host);
  try {
    for (const [i, n] of nodes.entries()) {
      const wanted = n.sshPort ?? (i === 0 ? opts.sshPort : opts.sshPort ? opts.sshPort + i : 0);
      const sshPort = await listen(sshServers[i].server as unknown as import("node:http").Server, wanted, opts.host);
      sshNodes.push({ node: n.name, host: opts.host, port: sshPort, hostFingerprint: hostKeys[i].fingerprint });
    }
  } catch (err) {
    await Promise.all([closeServer(https), guests.close(), ...sshServers.map((s) => s.close())]);
    throw err;
  }
  const sshPort = sshNodes[0].port;
  let vncTcpPort: number | undefined;
  try {
    if (opts.vncTcpPort !== undefined) vncTcpPort = await vnc.listenTcp(opts.vncTcpPort, opts.host);
  } catch (err) {
    await Promise.all([closeServer(https), guests.close(), ...sshServers.map((s) => s.close())]);
    throw err;
  }
  const url = `https://${opts.host}:${port}`;

  return {
    name: "proxmox",
    url,
    apiBase: `${url}/api2/json`,
    port,
    sshPort,
    vncTcpPort,
    host: opts.host,
    caCertPem: material.caCertPem,
    caCertPath: material.caCertPath,
    sshClientKeyPath: material.sshClientKeyPath,
    sshClientPublicKey: material.sshClientPublicKey,
    sshHostFingerprint: material.sshHostFingerprint,
    sshNodes,
    pveVersion: opts.pveVersion,
    setAcl: (acl) => sim.permissions.set(acl),
    tokenId: opts.tokenId,
    tokenSecret: opts.tokenSecret,
    snippetsDir: opts.snippetsDir,
    settings,
    env: {
      PROXMOX_API_URL: url,
      PROXMOX_TOKEN_ID: opts.tokenId,
      PROXMOX_TOKEN_SECRET: opts.tokenSecret,
      PROXMOX_CA_CERT_FILE: material.caCertPath,
      PROXMOX_SSH_HOST: opts.host,
      PROXMOX_SSH_PORT: String(sshPort),
      PROXMOX_SSH_USER: "root",
      PROXMOX_SSH_KEY_FILE: material.sshClientKeyPath,
      PROXMOX_SSH_HOST_FINGERPRINT: material.sshHostFingerprint,
      PROXMOX_SNIPPETS_DIR: opts.snippetsDir,
    },
    async close() {
      clearInterval(sampler);
      vnc.close();
      sim.tasks.clear();
      await Promise.all([closeServer(https), guests.close(), ...sshServers.map((s) => s.close())]);
    },
    vms: () => simState(sim).vms,
    vm: (vmid) => {
      const vm = sim.cluster.find(vmid);
      return vm && vmView(sim, vm);
    },
    tasks: () => sim.tasks.list(),
    requestLog: (sinceId) => sim.log.list(sinceId),
    clearRequestLog: () => sim.log.clear(),
    snippets: () => sim.snippets(),
    setFault: (spec) => sim.faults.add(spec),
    removeFault: (id) => sim.faults.remove(id),
    clearFaults: () => sim.faults.clear(),
    faults: () => sim.faults.list(),
    inFlight: () => sim.concurrency.current,
    maxConcurrent: () => sim.concurrency.max,
    resetConcurrency: () => sim.concurrency.reset(),
    setLock: (vmid, lock) => {
      const vm = sim.cluster.find(vmid);
      if (!vm) throw new Error(`no VM ${vmid}`);
      if (lock) vm.config.lock = lock;
      else delete vm.config.lock;
    },
    state: () => simState(sim),
    guests,
    network: { reach: network.reach, matrix: network.matrix, state: () => networkState(sim) },
    reset: () => sim.reset(),
    clock: sim.clock,
    backups: () => sim.backups.list(),
    setNestedVirt: (node, on) => {
      sim.cluster.node(node).nestedVirt = on;
    },
  };
}
