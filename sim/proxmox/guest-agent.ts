// The QEMU guest agent of the stand-in's guests (guest.ts keeps each guest's life; this is what
// the agent reports of it). A start boots the guest: its agent answers after `guestBootMs`; on the
// first boot with cloud-init user-data, cloud-init runs for `cloudInitMs` more and then writes
// /run/cloud-init/result.json (errors listed when it failed); later boots finish at once. The
// guest sees `vmx` in /proc/cpuinfo when its CPU type is `host` (or names +vmx) and its node allows
// nested virtualization. Tests choose how the next guests behave (`POST /_sim/guest-agent`: an
// agent that never answers, cloud-init that fails, per VM or by default). Endpoints and error
// texts: qemu-server PVE/API2/Qemu/Agent.pm and PVE/QemuServer/Agent.pm (assert_agent_available,
// check_agent_error); qemu-ga's own messages.
import type { Vm } from "./cluster";
import type { Sim } from "./context";
import { PveError, paramError } from "./errors";

export type AgentMode = "answers" | "silent";
export type CloudInitOutcome = "done" | "error";
export interface GuestPlan {
  agent: AgentMode;
  cloudInit: CloudInitOutcome;
}

/** One boot of a guest: when its agent answers, when cloud-init ends and how. */
export interface Boot {
  startedAt: number;
  agentAt: number;
  cloudInitDoneAt: number;
  cloudInit: CloudInitOutcome;
  plan: GuestPlan;
}

const DEFAULT_PLAN: GuestPlan = { agent: "answers", cloudInit: "done" };

/** How the next guests boot: a default, and per VMID. */
export class BootPlans {
  readonly defaults: GuestPlan = { ...DEFAULT_PLAN };
  readonly plans = new Map<number, Partial<GuestPlan>>();

  planFor(vmid: number): GuestPlan {
    return { ...this.defaults, ...this.plans.get(vmid) };
  }

  reset() {
    this.plans.clear();
    Object.assign(this.defaults, DEFAULT_PLAN);
  }

  /** The boot of a guest starting now; `firstRun` when cloud-init runs its user-data this time. */
  boot(sim: Sim, vmid: number, firstRun: boolean): Boot {
    const now = Date.now();
    const plan = this.planFor(vmid);
    const agentAt = now + sim.settings.guestBootMs;
    return {
      startedAt: now,
      agentAt,
      cloudInitDoneAt: agentAt + (firstRun ? sim.settings.cloudInitMs : 0),
      cloudInit: firstRun ? plan.cloudInit : "done",
      plan,
    };
  }
}

/** cloud-init's `scripts_user` failure, as result.json lists it when runcmd's script failed. */
export const RUNCMD_FAILED = "('scripts_user', RuntimeError('Runparts: 1 failures (part-001) in 1 attempted commands'))";

const CPU_FLAGS =
  "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm constant_tsc nopl pni ssse3 cx16 sse4_1 sse4_2 x2apic popcnt aes xsave avx hypervisor lahf_lm";

/** The agent's API (`/nodes/{node}/qemu/{vmid}/agent/*`) over the guests' boots. */
export class GuestAgent {
  constructor(
    private readonly sim: Sim,
    private readonly bootOf: (vm: Vm) => Boot | undefined,
  ) {}

  /** assert_agent_available: configured, VM running, agent answering a guest-ping. */
  #available(vm: Vm): Boot {
    if (vm.config.agent === undefined) throw new PveError("No QEMU guest agent configured");
    const boot = this.bootOf(vm);
    if (vm.status !== "running" || !boot) throw new PveError(`VM ${vm.vmid} is not running`);
    if (boot.plan.agent === "silent" || Date.now() < boot.agentAt) throw new PveError("QEMU guest agent is not running");
    return boot;
  }

  ping(vm: Vm) {
    this.#available(vm);
    return { result: {} };
  }

  /** `GET agent/info` (guest-info): the agent's version and commands. */
  info(vm: Vm) {
    this.#available(vm);
    const names = ["guest-ping", "guest-info", "guest-file-open", "guest-file-read", "guest-file-close", "guest-exec", "guest-exec-status"];
    return { result: { version: "7.2.0", supported_commands: names.map((name) => ({ name, enabled: true, "success-response": true })) } };
  }

  /** `GET agent/file-read`: the guest's files (its disk), /proc and cloud-init's /run files included. */
  fileRead(vm: Vm, args: Record<string, string>) {
    if (args.file === undefined) throw paramError("file", "property is missing and it is not optional");
    const boot = this.#available(vm);
    const content = this.#file(vm, boot, args.file);
    if (content === undefined) throw new PveError(`Agent error: failed to open file '${args.file}' (mode: 'r'): No such file or directory`);
    const offset = Number(args.offset ?? 0);
    const count = Number(args.count ?? 16 * 1024 * 1024);
    const bytes = Buffer.from(content, "utf8").subarray(offset, offset + count);
    const truncated = offset + count < Buffer.byteLength(content);
    return { content: bytes.toString("utf8"), "bytes-read": bytes.length, ...(truncated ? { truncated: 1 } : {}) };
  }

  #file(vm: Vm, boot: Boot, file: string): string | undefined {
    if (file === "/proc/cpuinfo") return this.#cpuinfo(vm);
    if (file === "/run/cloud-init/status.json") return JSON.stringify(this.#status(boot), null, 1);
    if (file === "/run/cloud-init/result.json") {
      if (Date.now() < boot.cloudInitDoneAt) return undefined;
      return JSON.stringify({ v1: { datasource: "DataSourceNoCloud [seed=/dev/sr0][dsmode=net]", errors: errorsOf(boot) } }, null, 1);
    }
    return vm.disk[file];
  }

  #status(boot: Boot) {
    const done = Date.now() >= boot.cloudInitDoneAt;
    return { v1: { datasource: "DataSourceNoCloud", stage: done ? null : "modules-final", errors: done ? errorsOf(boot) : [] } };
  }

  /** `vmx` when the CPU type passes the host's through (or names +vmx) and the node nests. */
  #cpuinfo(vm: Vm): string {
    const has = vm.config;
    const cpu = String(has.cpu ?? "kvm64");
    const passes = cpu.split(",")[0] === "host" || /flags=[^,]*\+vmx/.test(cpu);
    const nests = this.sim.cluster.node(vm.node).nestedVirt !== false;
    const cores = Number(has.cores ?? 1) * Number(has.sockets ?? 1);
    const flags = passes && nests ? `${CPU_FLAGS} vmx` : CPU_FLAGS;
    return Array.from(
      { length: cores },
      (_, i) => `processor\t: ${i}\nvendor_id\t: GenuineIntel\nmodel name\t: Simulated CPU @ 2.40GHz\nflags\t\t: ${flags}\n`,
    ).join("\n");
  }

  /** For the control API and page: where the guest is in its boot. */
  view(vm: Vm, plans: BootPlans) {
    const boot = this.bootOf(vm);
    const now = Date.now();
    return {
      plan: plans.planFor(vm.vmid),
      agent: !boot ? "stopped" : boot.plan.agent === "silent" ? "silent" : now < boot.agentAt ? "booting" : "answers",
      cloudInit: !boot ? null : now < boot.cloudInitDoneAt ? "running" : boot.cloudInit,
    };
  }
}

function errorsOf(boot: Boot): string[] {
  return boot.cloudInit === "error" ? [RUNCMD_FAILED] : [];
}
