// A small copy of pve-common's PVE::JSONSchema parameter check, for the SDN and firewall routes:
// every parameter is checked in one pass (type, format, pattern, maxLength, minLength, minimum,
// maximum, enum, in check_prop's order), unknown ones are refused (`additionalProperties => 0`),
// missing required ones named, and all errors come back together as one 400.
import { ParamError } from "./errors";

export interface Prop {
  type: "string" | "integer" | "boolean";
  optional?: boolean;
  pattern?: RegExp;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: string[];
  /** A registered format: returns the error text (without "invalid format - ") or undefined. */
  format?: (value: string) => string | undefined;
}

export type Schema = Record<string, Prop>;

export const NOT_IN_SCHEMA = "property is not defined in schema and the schema does not allow additional properties";
export const MISSING = "property is missing and it is not optional";

const IPV4 = /^((25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(25[0-5]|2[0-4]\d|1?\d?\d)$/;
const IPV6 = /^[0-9a-fA-F:]+(:[0-9a-fA-F]*)*$/;

export const isIpv4 = (v: string) => IPV4.test(v);
export const isIp = (v: string) => IPV4.test(v) || (v.includes(":") && IPV6.test(v));

export const formats = {
  ip: (v: string) => (isIp(v) ? undefined : "value does not look like a valid IP address"),
  ipList: (v: string) => (v.split(/[,;\s]+/).every(isIp) ? undefined : "value does not look like a valid IP address"),
  cidr: (v: string) => {
    const [ip, len, extra] = v.split("/");
    const max = ip && isIpv4(ip) ? 32 : 128;
    return extra === undefined && ip && isIp(ip) && /^\d{1,3}$/.test(len ?? "") && Number(len) <= max
      ? undefined
      : "value does not look like a valid CIDR network";
  },
  configIdList: (v: string) => (v.split(/[,;\s]+/).every((k) => /^[a-z][a-z0-9_-]+$/i.test(k)) ? undefined : `invalid configuration ID '${v}'`),
  nodeList: (v: string) =>
    v.split(/[,;\s]+/).every((n) => /^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$/.test(n)) ? undefined : `value '${v}' does not look like a valid node name`,
};

function checkProp(value: string, prop: Prop): string | undefined {
  if (prop.type === "integer" && !/^[+-]?\d+$/.test(value)) return `type check ('integer') failed - got '${value}'`;
  if (prop.type === "boolean" && !/^(0|1|true|false|yes|no|on|off)$/i.test(value)) return `type check ('boolean') failed - got '${value}'`;
  if (prop.format) {
    const problem = prop.format(value);
    if (problem) return `invalid format - ${problem}`;
  }
  if (prop.pattern && !new RegExp(`^(?:${prop.pattern.source})$`).test(value)) return "value does not match the regex pattern";
  if (prop.maxLength !== undefined && value.length > prop.maxLength) return `value may only be ${prop.maxLength} characters long`;
  if (prop.minLength !== undefined && value.length < prop.minLength) return `value must be at least ${prop.minLength} characters long`;
  if (prop.type === "integer") {
    if (prop.maximum !== undefined && Number(value) > prop.maximum) return `value must have a maximum value of ${prop.maximum}`;
    if (prop.minimum !== undefined && Number(value) < prop.minimum) return `value must have a minimum value of ${prop.minimum}`;
  }
  if (prop.enum && !prop.enum.includes(value)) return `value '${value}' does not have a value in the enumeration '${prop.enum.join(", ")}'`;
  return undefined;
}

/** Throws the 400 PVE answers for `args` against `schema` (path parameters included in `args`). */
export function validateParams(schema: Schema, args: Record<string, string>) {
  const errors: Record<string, string> = {};
  for (const [key, value] of Object.entries(args)) {
    const prop = schema[key];
    if (!prop) errors[key] = NOT_IN_SCHEMA;
    else {
      const problem = checkProp(value, prop);
      if (problem) errors[key] = problem;
    }
  }
  for (const [key, prop] of Object.entries(schema)) if (!prop.optional && args[key] === undefined) errors[key] = MISSING;
  if (Object.keys(errors).length) throw new ParamError(errors);
}

export const asBool = (v: string | undefined) => (v === undefined ? undefined : /^(1|true|yes|on)$/i.test(v) ? 1 : 0);
