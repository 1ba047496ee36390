// Config writes shared by `PUT/POST .../config` and `qm set`: PVE validates every parameter
// against its schema first (400 with all field errors), then takes the config lock, compares
// the digest and refuses while a `lock` property is set (500).
import { createHash, randomBytes } from "node:crypto";
import type { Cluster, ConfigValue, Vm } from "./cluster";
import { applyConfigWrite, effective } from "./pending";
import ssh2 from "ssh2";
import { ParamError, PveError, lockedError } from "./errors";
import { parseNic } from "./nic";
import { randomMac } from "./cluster";

type Check = (value: string) => string | undefined;

const NOT_IN_SCHEMA = "property is not defined in schema and the schema does not allow additional properties";
const DNS_NAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*$/;
const IPV4 = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/;
// pve-configid / urlencoded formats from PVE::JSONSchema.
const URLENCODED = /^[-%a-zA-Z0-9_.!~*'()]*$/;
export const SNIPPET_VOLID = /^(user|network|meta|vendor)=([a-zA-Z][\w.-]*):snippets\/([^,/]+)$/;

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (v) => {
    if (!/^-?\d+$/.test(v)) return `type check ('integer') failed - got '${v}'`;
    if (Number(v) < min) return `value must have a minimum value of ${min}`;
    if (Number(v) > max) return `value must have a maximum value of ${max}`;
    return undefined;
  };
const boolean: Check = (v) => (/^(0|1|true|false|yes|no|on|off)$/i.test(v) ? undefined : `type check ('boolean') failed - got '${v}'`);
const anyString: Check = () => undefined;
const oneOf =
  (...values: string[]): Check =>
  (v) =>
    values.includes(v) ? undefined : `value '${v}' does not have a value in the enumeration '${values.join(", ")}'`;

const ipconfig: Check = (v) => {
  for (const part of v.split(",")) {
    const [key, val = ""] = part.split("=");
    if (key === "ip" && (val === "dhcp" || (/^[\d.]+\/\d{1,2}$/.test(val) && IPV4.test(val.split("/")[0])))) continue;
    if (key === "gw" && IPV4.test(val)) continue;
    if ((key === "ip6" || key === "gw6") && val) continue;
    return `invalid format - format error\nipconfig.${key}: invalid value '${val}'`;
  }
  return undefined;
};

const cicustom: Check = (v) => (v.split(",").every((p) => SNIPPET_VOLID.test(p)) ? undefined : `invalid format - invalid cicustom value '${v}'`);

// Quirk: the value must itself be percent-encoded (`%20`, `%0A`), before form encoding. The schema
// only checks that format (a 400); the keys themselves are checked by the handler with
// `ssh-keygen -l` (PVE::Tools::validate_ssh_public_keys), so a bad key is a 500.
const sshkeys: Check = (v) => (URLENCODED.test(v) ? undefined : `invalid format - invalid urlencoded string: ${v}`);

function validSshKey(line: string): boolean {
  const parsed = ssh2.utils.parseKey(line);
  return !(parsed instanceof Error) && /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-\S+) /.test(line);
}

const CHECKS: Record<string, Check> = {
  name: (v) => (DNS_NAME.test(v) ? undefined : "invalid format - value does not look like a valid DNS name"),
  cores: integer(1, 1024),
  sockets: integer(1, 4),
  vcpus: integer(1, 4096),
  memory: integer(16, 4178944),
  balloon: integer(0, 4178944),
  ciuser: anyString,
  cipassword: anyString,
  citype: oneOf("configdrive2", "nocloud", "opennebula"),
  ciupgrade: boolean,
  cicustom,
  sshkeys,
  nameserver: (v) => (v.split(/[ ,;]+/).every((ip) => IPV4.test(ip)) ? undefined : `invalid format - value does not look like a valid IP address`),
  searchdomain: anyString,
  description: anyString,
  tags: anyString,
  onboot: boolean,
  agent: anyString,
  protection: boolean,
  boot: anyString,
  ostype: anyString,
  scsihw: anyString,
  cpu: anyString,
  vga: anyString,
  hotplug: anyString,
  numa: boolean,
  startup: anyString,
};
const INDEXED: Array<[RegExp, Check]> = [
  [/^ipconfig([0-9]|[12][0-9]|3[01])$/, ipconfig],
  [/^net\d+$/, (v) => ((n) => ("error" in n ? n.error : undefined))(parseNic(v))],
  [/^(scsi|virtio|sata|ide|serial|unused)\d+$/, anyString],
];
const META = new Set(["digest", "delete", "skiplock", "revert", "force", "background_delay"]);

export function configKeyCheck(key: string): Check | undefined {
  return CHECKS[key] ?? INDEXED.find(([re]) => re.test(key))?.[1];
}

/** Validates and applies a config write; throws ParamError (400) or PveError (500). */
export function writeConfig(cluster: Cluster, vm: Vm, args: Record<string, string>) {
  const errors: Record<string, string> = {};
  const updates: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(args)) {
    if (META.has(key)) continue;
    const check = configKeyCheck(key);
    const problem = check ? check(value) : NOT_IN_SCHEMA;
    if (problem) errors[key] = problem;
    else updates.push([key, value]);
  }
  const deletes = (args.delete ?? "").split(/[,;\s]+/).filter(Boolean);
  for (const key of deletes) {
    if (!configKeyCheck(key)) errors.delete = `invalid configuration ID '${key}'`;
    if (updates.some(([k]) => k === key)) errors[key] = `conflicting values: key '${key}' set and deleted`;
  }
  if (Object.keys(errors).length) throw new ParamError(errors);
  if (args.sshkeys !== undefined && !(decodeSshKeys(args.sshkeys) ?? [""]).every(validSshKey)) throw new PveError("SSH public key validation error");
  if (!updates.length && !deletes.length) throw new PveError("no options specified");

  if (args.digest && args.digest !== cluster.digest(vm)) {
    throw new PveError("checksum mismatch (file change by other user?)");
  }
  if (vm.config.lock && !isTrue(args.skiplock)) throw lockedError(String(vm.config.lock));
  // update_vm compares the memory and balloon the VM would have after this write, pending included.
  if (args.memory !== undefined || args.balloon !== undefined) {
    const memory = Number(args.memory ?? effective(vm, "memory") ?? 512);
    const balloon = Number(args.balloon ?? effective(vm, "balloon") ?? 0);
    if (balloon && balloon > memory) throw new PveError("balloon value too large (must be smaller than assigned memory)");
  }

  // `cicustom` is only format-checked here: the volume is read when the cloud-init drive is built
  // (`PUT .../cloudinit`, start), not at set time (qemu-server, PVE/API2/Qemu.pm update_vm).
  const values: Array<[string, ConfigValue]> = updates.map(([key, value]) => [
    key,
    key === "cipassword" ? hashPassword(value) : /^net\d+$/.test(key) ? withMac(value) : coerce(value),
  ]);
  applyConfigWrite(vm, values, deletes);
}

// parse_net gives a NIC without a MAC a new random one: rewriting `net0` without its `virtio=<mac>`
// changes the guest's MAC address.
function withMac(value: string): string {
  const nic = parseNic(value);
  if ("error" in nic || nic.macaddr) return value;
  return value.replace(new RegExp(`(^|,)(${nic.model})(?=,|$)`), `$1$2=${randomMac()}`);
}

export function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value);
}

function coerce(value: string): string | number {
  return /^-?\d+$/.test(value) && value.length < 16 ? Number(value) : value;
}

// PVE keeps only a crypt() hash of cipassword in the config, never the clear text.
function hashPassword(clear: string): string {
  const salt = randomBytes(8).toString("base64url");
  return `$5$${salt}$${createHash("sha256")
    .update(salt + clear)
    .digest("base64url")}`;
}

/** `sshkeys` as stored (percent-encoded) → the list of keys. */
export function decodeSshKeys(value: unknown): string[] | undefined {
  if (typeof value !== "string" || !value) return [];
  try {
    return decodeURIComponent(value)
      .split("\n")
      .map((k) => k.trim())
      .filter(Boolean);
  } catch {
    return undefined;
  }
}
