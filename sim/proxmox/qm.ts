// The `qm` CLI subset the app sends over SSH. Like the real one it acts on the same config the
// API sees, waits for the tasks it starts, prints errors on stderr and exits 255. It runs on one
// node and, like qemu-server's PVE::QemuConfig->load_config, only finds configs stored on that
// node (`/etc/pve/nodes/<node>/qemu-server/<vmid>.conf`): a VM on another node does not exist here.
import { parseVmid } from "./cluster";
import { writeConfig } from "./config";
import { waitForConfigLock } from "./power";
import type { Sim } from "./context";
import { ParamError, PveError } from "./errors";
import type { TaskFault } from "./faults";
import type { ExecResult } from "./shell";
import { POWER_ACTIONS, type PowerAction, powerTask, regenerateCloudinit } from "./vm-ops";

const USAGE: Record<string, string> = {
  set: "qm set <vmid> [OPTIONS]",
  cloudinit: "qm cloudinit update <vmid>",
  status: "qm status <vmid>",
  config: "qm config <vmid>",
  unlock: "qm unlock <vmid>",
};
for (const a of POWER_ACTIONS) USAGE[a] = `qm ${a} <vmid> [OPTIONS]`;

const ok = (stdout = ""): ExecResult => ({ code: 0, stdout, stderr: "" });
const fail = (stderr: string): ExecResult => ({ code: 255, stdout: "", stderr: stderr.endsWith("\n") ? stderr : `${stderr}\n` });
const FLAGS = new Set(["skiplock", "forceStop", "keepActive", "force"]);

/** `--key value`, `-key value` and `--key=value`, as PVE's CLI option parser accepts them. */
function parseOptions(tokens: string[]): Record<string, string> | { error: string } {
  const out: Record<string, string> = {};
  for (let i = 0; i < tokens.length; i++) {
    const m = /^--?([a-zA-Z][\w-]*)(?:=(.*))?$/.exec(tokens[i]);
    if (!m) return { error: `400 too many arguments` };
    const [, key, inline] = m;
    if (inline !== undefined) out[key] = inline;
    else if (FLAGS.has(key) && (i + 1 >= tokens.length || tokens[i + 1].startsWith("-"))) out[key] = "1";
    else if (i + 1 < tokens.length) out[key] = tokens[++i];
    else return { error: `400 unable to parse option\n${key}: missing value` };
  }
  return out;
}

function findVm(sim: Sim, node: string, text: string) {
  const vmid = parseVmid(text, "vmid");
  const vm = sim.cluster.find(vmid);
  if (!vm || vm.node !== node) throw new PveError(`Configuration file 'nodes/${node}/qemu-server/${vmid}.conf' does not exist`);
  return vm;
}

async function qmSet(sim: Sim, node: string, vmidText: string, rest: string[]): Promise<ExecResult> {
  const opts = parseOptions(rest);
  if ("error" in opts) return fail(`${opts.error}\n${USAGE.set}`);
  const vm = findVm(sim, node, vmidText);
  if (opts.sshkeys !== undefined) {
    // On the CLI `--sshkeys` names a file; qm reads and percent-encodes it for the config.
    const data = sim.fsOf(node).read(opts.sshkeys);
    if (!data) return fail(`unable to open file '${opts.sshkeys}' - No such file or directory`);
    opts.sshkeys = encodeURIComponent(data.toString("utf8"));
  }
  await waitForConfigLock(sim, vm);
  writeConfig(sim.cluster, vm, opts);
  return ok();
}

async function qmPower(sim: Sim, node: string, action: PowerAction, vmidText: string, rest: string[], fault: TaskFault): Promise<ExecResult> {
  const opts = parseOptions(rest);
  if ("error" in opts) return fail(`${opts.error}\n${USAGE[action]}`);
  const task = powerTask(sim, findVm(sim, node, vmidText), action, opts, fault);
  const finished = await sim.tasks.done(task.upid);
  return finished.exitstatus === "OK" ? ok() : fail(finished.exitstatus ?? "task failed");
}

export async function runQm(sim: Sim, node: string, args: string[], fault: TaskFault): Promise<ExecResult> {
  const [sub, ...rest] = args;
  if (!sub || !(sub in USAGE)) {
    return { code: 255, stdout: "", stderr: `ERROR: unknown command 'qm${sub ? ` ${sub}` : ""}'\nUSAGE: qm <COMMAND> [ARGS] [OPTIONS]\n` };
  }
  const [first, ...more] = rest;
  const vmidText = sub === "cloudinit" ? more[0] : first;
  if (vmidText === undefined || vmidText.startsWith("-")) return fail(`400 not enough arguments\n${USAGE[sub]}`);
  try {
    switch (sub) {
      case "set":
        return await qmSet(sim, node, vmidText, more);
      case "cloudinit": {
        if (first !== "update" || more.length !== 1) return fail(`400 unable to parse command\n${USAGE.cloudinit}`);
        regenerateCloudinit(sim, findVm(sim, node, vmidText));
        return ok();
      }
      case "status":
        return ok(`status: ${findVm(sim, node, vmidText).status}\n`);
      case "config": {
        const config = sim.cluster.publicConfig(findVm(sim, node, vmidText));
        delete config.digest;
        return ok(
          Object.keys(config)
            .sort()
            .map((k) => `${k}: ${config[k]}\n`)
            .join(""),
        );
      }
      case "unlock":
        delete findVm(sim, node, vmidText).config.lock;
        return ok();
      default:
        return await qmPower(sim, node, sub as PowerAction, vmidText, more, fault);
    }
  } catch (err) {
    if (err instanceof ParamError) {
      const lines = Object.entries(err.errors).map(([k, v]) => `${k}: ${v}`);
      return fail(`400 Parameter verification failed.\n${lines.join("\n")}\n${USAGE[sub]}`);
    }
    return fail((err as Error).message);
  }
}
