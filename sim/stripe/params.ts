// Typed reads over a decoded form body. Error messages and `param` names follow Stripe's
// (`Invalid integer: abc`, param `line_items[0][quantity]`), so callers see what the real API says.
import { invalidParam, missingParam } from "./errors";
import type { FormObject, FormValue } from "./form";

export class Params {
  constructor(
    readonly raw: FormObject,
    private readonly prefix = "",
  ) {}

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  keys(): string[] {
    return Object.keys(this.raw);
  }

  str(key: string): string | undefined {
    const value = this.raw[key];
    if (value === undefined) return undefined;
    if (typeof value !== "string") throw invalidParam(this.name(key), `Invalid string: ${JSON.stringify(value)}`);
    return value;
  }

  reqStr(key: string): string {
    const value = this.str(key);
    if (!value) throw missingParam(this.name(key));
    return value;
  }

  /** Stripe treats an empty string as "unset this field". */
  nullableStr(key: string): string | null | undefined {
    const value = this.str(key);
    return value === "" ? null : value;
  }

  int(key: string): number | undefined {
    const value = this.str(key);
    if (value === undefined || value === "") return undefined;
    if (!/^-?\d+$/.test(value)) throw invalidParam(this.name(key), `Invalid integer: ${value}`);
    return Number(value);
  }

  reqInt(key: string): number {
    const value = this.int(key);
    if (value === undefined) throw missingParam(this.name(key));
    return value;
  }

  bool(key: string): boolean | undefined {
    const value = this.str(key);
    if (value === undefined || value === "") return undefined;
    if (value !== "true" && value !== "false") throw invalidParam(this.name(key), `Invalid boolean: ${value}`);
    return value === "true";
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const value = this.str(key);
    if (value === undefined || value === "") return undefined;
    if (!allowed.includes(value as T)) {
      throw invalidParam(this.name(key), `Invalid ${key}: must be one of ${allowed.join(", ")}`);
    }
    return value as T;
  }

  reqOneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const value = this.oneOf(key, allowed);
    if (value === undefined) throw missingParam(this.name(key));
    return value;
  }

  obj(key: string): Params | undefined {
    const value = this.raw[key];
    if (value === undefined || value === "") return undefined;
    if (typeof value !== "object" || Array.isArray(value)) {
      throw invalidParam(this.name(key), `Invalid object`);
    }
    return new Params(value, this.name(key));
  }

  list(key: string): Params[] {
    const value = this.raw[key];
    if (value === undefined || value === "") return [];
    if (!Array.isArray(value)) throw invalidParam(this.name(key), `Invalid array`);
    return value.map((item, i) => {
      if (typeof item !== "object" || Array.isArray(item)) throw invalidParam(`${this.name(key)}[${i}]`, "Invalid object");
      return new Params(item, `${this.name(key)}[${i}]`);
    });
  }

  strList(key: string): string[] {
    const value: FormValue | undefined = this.raw[key];
    if (value === undefined || value === "") return [];
    if (typeof value === "string") return [value];
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) {
      throw invalidParam(this.name(key), `Invalid array`);
    }
    return value as string[];
  }

  /** Metadata updates merge key by key; an empty value deletes the key (Stripe's rule). */
  mergeMetadata(current: Record<string, string> | null, key = "metadata"): Record<string, string> {
    const next = { ...(current ?? {}) };
    const raw = this.raw[key];
    if (raw === "") return {};
    const update = this.obj(key);
    for (const k of update?.keys() ?? []) {
      const value = update!.str(k) ?? "";
      if (value === "") delete next[k];
      else next[k] = value;
    }
    return next;
  }
}
