// What an `exec` over SSH can run. Deliberately strict: one simple command per exec, quotes
// allowed, no pipes/redirects/variables, so the app's command lines stay explicit and safe.
import { maskCommand } from "./activity";
import type { Sim } from "./context";
import { taskFaultOf } from "./faults";
import { runQm } from "./qm";
import type { VirtualFs } from "./vfs";

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

const META = new Set([";", "&", "|", "<", ">", "(", ")", "`", "$"]);
export const result = (code: number, stdout = "", stderr = ""): ExecResult => ({ code, stdout, stderr });

export function tokenize(line: string): string[] | { error: string } {
  const tokens: string[] = [];
  let current: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === " " || ch === "\t" || ch === "\n") {
      if (current !== null) tokens.push(current);
      current = null;
    } else if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: "unexpected EOF while looking for matching `''" };
      current = (current ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let text = "";
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "$" || line[j] === "`") return { error: `unsupported expansion '${line[j]}' in double quotes` };
        if (line[j] === "\\" && '"\\$`'.includes(line[j + 1] ?? "")) j++;
        text += line[j];
      }
      if (j >= line.length) return { error: "unexpected EOF while looking for matching `\"'" };
      current = (current ?? "") + text;
      i = j;
    } else if (ch === "\\") {
      current = (current ?? "") + (line[i + 1] ?? "");
      i++;
    } else if (META.has(ch)) {
      return { error: `syntax error near unexpected token \`${ch}'` };
    } else {
      current = (current ?? "") + ch;
    }
  }
  if (current !== null) tokens.push(current);
  return tokens;
}

function mkdir(fs: VirtualFs, args: string[]): ExecResult {
  const parents = args.includes("-p");
  const dirs = args.filter((a) => !a.startsWith("-"));
  if (!dirs.length) return result(1, "", "mkdir: missing operand\n");
  let stderr = "";
  for (const dir of dirs) {
    const outcome = fs.mkdir(dir, parents);
    if (outcome === "exists") stderr += `mkdir: cannot create directory '${dir}': File exists\n`;
    if (outcome === "noparent") stderr += `mkdir: cannot create directory '${dir}': No such file or directory\n`;
  }
  return result(stderr ? 1 : 0, "", stderr);
}

function test(fs: VirtualFs, args: string[]): ExecResult {
  if (args.length !== 2) return result(2, "", "bash: test: only `test -s|-f|-e|-d <path>` is supported here\n");
  const stat = fs.stat(args[1]);
  const checks: Record<string, boolean> = {
    "-s": !!stat && !stat.isDir && stat.size > 0,
    "-f": !!stat && !stat.isDir,
    "-e": !!stat,
    "-d": !!stat?.isDir,
  };
  if (!(args[0] in checks)) return result(2, "", `bash: test: ${args[0]}: unary operator expected\n`);
  return result(checks[args[0]] ? 0 : 1);
}

function rm(fs: VirtualFs, args: string[]): ExecResult {
  const force = args.some((a) => /^-\w*f/.test(a));
  let stderr = "";
  for (const file of args.filter((a) => !a.startsWith("-"))) {
    if (fs.stat(file)?.isDir) stderr += `rm: cannot remove '${file}': Is a directory\n`;
    else if (!fs.remove(file) && !force) stderr += `rm: cannot remove '${file}': No such file or directory\n`;
  }
  return result(stderr ? 1 : 0, "", stderr);
}

function cat(fs: VirtualFs, args: string[]): ExecResult {
  let stdout = "";
  let stderr = "";
  for (const file of args) {
    const data = fs.read(file);
    if (data) stdout += data.toString("utf8");
    else stderr += `cat: ${file}: ${fs.stat(file)?.isDir ? "Is a directory" : "No such file or directory"}\n`;
  }
  return result(stderr ? 1 : 0, stdout, stderr);
}

async function dispatch(sim: Sim, node: string, line: string): Promise<ExecResult> {
  const tokens = tokenize(line);
  if (!Array.isArray(tokens)) return result(2, "", `bash: -c: line 1: ${tokens.error}\n`);
  const [cmd, ...args] = tokens;
  if (cmd === undefined) return result(0);
  const faults = sim.faults.take("SSH", line);
  if (faults.some((f) => f.kind === "timeout")) return new Promise<ExecResult>(() => {});
  for (const f of faults.filter((f) => f.kind === "delay")) await new Promise((r) => setTimeout(r, f.ms ?? 1000));
  const vmid = /\b(\d{3,9})\b/.exec(line)?.[1] ?? "0";
  const failure = faults.find((f) => f.kind === "configLock" || f.kind === "lock" || f.kind === "http500");
  if (failure?.kind === "configLock") return result(255, "", `can't lock file '/var/lock/qemu-server/lock-${vmid}.conf' - got timeout\n`);
  if (failure?.kind === "lock") return result(255, "", `VM is locked (${failure.lock ?? "backup"})\n`);
  if (failure) return result(255, "", `${failure.message ?? "injected failure"}\n`);
  const fs = sim.fsOf(node);
  switch (cmd) {
    case "qm":
      return runQm(sim, node, args, taskFaultOf(faults));
    case "mkdir":
      return mkdir(fs, args);
    case "test":
      return test(fs, args);
    case "[":
      return args.at(-1) === "]" ? test(fs, args.slice(0, -1)) : result(2, "", "bash: [: missing `]'\n");
    case "rm":
      return rm(fs, args);
    case "cat":
      return cat(fs, args);
    case "true":
      return result(0);
    default:
      return result(127, "", `bash: line 1: ${cmd}: command not found\n`);
  }
}

/** Runs one exec request on `node` and records it in the request log (cipassword masked). */
export async function runCommand(sim: Sim, node: string, line: string): Promise<ExecResult> {
  const done = sim.log.begin({ kind: "ssh", method: "EXEC", path: maskCommand(line), params: { node } });
  const res = await dispatch(sim, node, line).catch((err: Error) => result(255, "", `${err.message}\n`));
  done(res.code);
  return res;
}
