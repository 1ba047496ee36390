// What a guest's cloud-init does with the user-data it booted with, for the few modules the
// product's template uses: `write_files` (path, permissions, content) and `runcmd` (exec arrays,
// or a string run by sh). cloud-init runs both once per instance, on the first boot; a runcmd
// entry that fails does not stop the next one. The YAML is read for the shapes the product
// renders (JSON-style double-quoted scalars, flow sequences), not as a general YAML parser: an
// unexpected shape is reported in the guest's boot log rather than guessed at.

export interface WriteFile {
  path: string;
  content: string;
  permissions?: string;
}

export interface UserData {
  writeFiles: WriteFile[];
  runcmd: string[][];
}

function scalar(text: string): string {
  const t = text.trim();
  if (t.startsWith('"')) return JSON.parse(t) as string;
  if (t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  return t;
}

/** `[a, "b c", d]` → ["a", "b c", "d"]; quoted items may hold commas and brackets. */
export function flowSequence(text: string): string[] {
  const inner = text.trim().replace(/^\[/, "").replace(/\]$/, "");
  const items: string[] = [];
  let current = "";
  let quote: string | null = null;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      current += c;
      if (c === "\\" && quote === '"') current += inner[++i] ?? "";
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === ",") {
      items.push(scalar(current));
      current = "";
    } else current += c;
  }
  if (current.trim()) items.push(scalar(current));
  return items;
}

/** The top-level block `key:` (its indented lines), or [] when absent. */
function block(lines: string[], key: string): string[] {
  const start = lines.findIndex((l) => l.trimEnd() === `${key}:`);
  if (start < 0) return [];
  const out: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    if (line.trim() && !line.trim().startsWith("#")) out.push(line);
  }
  return out;
}

export function parseUserData(text: string): UserData {
  if (!text.startsWith("#cloud-config")) throw new Error("user-data is not #cloud-config");
  const lines = text.split("\n");
  const writeFiles: WriteFile[] = [];
  let file: Partial<WriteFile> | null = null;
  for (const line of block(lines, "write_files")) {
    const m = /^\s*(-\s+)?(\w+):\s*(.*)$/.exec(line);
    if (!m) throw new Error(`write_files: cannot read ${JSON.stringify(line)}`);
    if (m[1]) {
      if (file) writeFiles.push(file as WriteFile);
      file = {};
    }
    if (!file) throw new Error("write_files: an entry must start with '-'");
    (file as Record<string, string>)[m[2]] = scalar(m[3]);
  }
  if (file) writeFiles.push(file as WriteFile);
  for (const f of writeFiles)
    if (typeof f.path !== "string" || typeof f.content !== "string") throw new Error("write_files: each entry needs path and content");

  const runcmd = block(lines, "runcmd").map((line) => {
    const item = line.replace(/^\s*-\s*/, "");
    return item.startsWith("[") ? flowSequence(item) : ["sh", "-c", scalar(item)];
  });
  return { writeFiles, runcmd };
}

export interface CurlCall {
  method: string;
  url: string;
  data?: string;
  /** `-c <file>`: where cookies the server sets are written. */
  cookieJar?: string;
  /** `-b <file>`: cookies sent, read from this file. */
  cookieFile?: string;
  failOnError: boolean;
}

/** The curl options the product's runcmd uses; `@file` data is read from the guest's files. */
export function readCurl(argv: string[], files: Map<string, string>): CurlCall | null {
  const call: Partial<CurlCall> & { failOnError: boolean } = { failOnError: false };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    const next = () => argv[++i];
    if (a === "-X" || a === "--request") call.method = next();
    else if (a === "-d" || a === "--data" || a === "--data-binary" || a === "--data-raw") {
      const value = next();
      call.data = value.startsWith("@") && a !== "--data-raw" ? (files.get(value.slice(1)) ?? "") : value;
    } else if (a === "-c" || a === "--cookie-jar") call.cookieJar = next();
    else if (a === "-b" || a === "--cookie") call.cookieFile = next();
    else if (a === "-H" || a === "--header" || a === "-o" || a === "--output" || a === "--retry" || a === "--retry-delay" || a === "--max-time") next();
    else if (/^-[a-zA-Z]*f[a-zA-Z]*$/.test(a) || a === "--fail") call.failOnError = true;
    else if (/^https?:\/\//.test(a)) call.url = a;
  }
  if (!call.url) return null;
  return {
    method: call.method ?? (call.data !== undefined ? "POST" : "GET"),
    url: call.url,
    data: call.data,
    cookieJar: call.cookieJar,
    cookieFile: call.cookieFile,
    failOnError: call.failOnError,
  };
}
