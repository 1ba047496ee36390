// The node's filesystem as far as the app can see it over SSH/SFTP: kept in memory, so
// uploaded cloud-init snippets are inspectable and vanish with the process.
import path from "node:path/posix";

export interface VfsFile {
  data: Buffer;
  mode: number;
  mtime: number;
}

export interface VfsStat {
  isDir: boolean;
  size: number;
  mode: number;
  mtime: number;
}

export class VirtualFs {
  private files = new Map<string, VfsFile>();
  private dirs = new Set<string>();

  constructor(
    private readonly initialDirs: string[],
    readonly home = "/root",
  ) {
    this.reset();
  }

  reset() {
    this.files.clear();
    this.dirs = new Set(["/"]);
    for (const dir of [...this.initialDirs, this.home, "/tmp"]) this.mkdir(dir, true);
  }

  resolve(p: string, cwd = this.home): string {
    return path.resolve(cwd, p || ".");
  }

  stat(p: string): VfsStat | undefined {
    const full = this.resolve(p);
    if (this.dirs.has(full)) return { isDir: true, size: 4096, mode: 0o040755, mtime: 0 };
    const f = this.files.get(full);
    return f ? { isDir: false, size: f.data.length, mode: 0o100000 | f.mode, mtime: f.mtime } : undefined;
  }

  read(p: string): Buffer | undefined {
    return this.files.get(this.resolve(p))?.data;
  }

  /** Returns false when the parent directory does not exist or the path is a directory. */
  write(p: string, data: Buffer, mode = 0o644): boolean {
    const full = this.resolve(p);
    if (!this.dirs.has(path.dirname(full)) || this.dirs.has(full)) return false;
    this.files.set(full, { data, mode: mode & 0o7777, mtime: Math.floor(Date.now() / 1000) });
    return true;
  }

  mkdir(p: string, recursive: boolean): "ok" | "exists" | "noparent" {
    const full = this.resolve(p);
    if (this.dirs.has(full) || this.files.has(full)) return recursive && this.dirs.has(full) ? "ok" : "exists";
    const parent = path.dirname(full);
    if (!this.dirs.has(parent)) {
      if (!recursive || this.files.has(parent)) return "noparent";
      if (this.mkdir(parent, true) !== "ok") return "noparent";
    }
    this.dirs.add(full);
    return "ok";
  }

  remove(p: string): boolean {
    return this.files.delete(this.resolve(p));
  }

  rmdir(p: string): boolean {
    const full = this.resolve(p);
    if (full === "/" || this.list(full)?.length) return false;
    return this.dirs.delete(full);
  }

  rename(from: string, to: string): boolean {
    const src = this.resolve(from);
    const file = this.files.get(src);
    const dst = this.resolve(to);
    if (!file || !this.dirs.has(path.dirname(dst)) || this.dirs.has(dst)) return false;
    this.files.delete(src);
    this.files.set(dst, file);
    return true;
  }

  /** Entry names directly inside a directory; undefined when it is not one. */
  list(p: string): string[] | undefined {
    const dir = this.resolve(p);
    if (!this.dirs.has(dir)) return undefined;
    const names = new Set<string>();
    for (const key of [...this.dirs, ...this.files.keys()]) {
      if (key !== dir && path.dirname(key) === dir) names.add(path.basename(key));
    }
    return [...names].sort();
  }

  filesUnder(dir: string): Array<{ path: string; file: VfsFile }> {
    const prefix = this.resolve(dir).replace(/\/?$/, "/");
    return [...this.files.entries()].filter(([p]) => p.startsWith(prefix)).map(([p, file]) => ({ path: p, file }));
  }
}

/**
 * A node's filesystem with shared storages mounted into it (`/mnt/pve/<storage>`): every node
 * sees the same files there, as with NFS or CephFS storage carrying `snippets` content.
 */
export class MountedFs extends VirtualFs {
  private readonly mounts: Array<{ at: string; fs: VirtualFs }>;

  constructor(initialDirs: string[], mounts: Array<{ at: string; fs: VirtualFs }>) {
    super([...initialDirs, ...mounts.map((m) => m.at)]);
    this.mounts = mounts;
  }

  private mounted(p: string): VirtualFs | undefined {
    const full = this.resolve(p);
    return (this.mounts ?? []).find((m) => full === m.at || full.startsWith(`${m.at}/`))?.fs;
  }

  override stat(p: string) {
    return this.mounted(p)?.stat(this.resolve(p)) ?? super.stat(p);
  }

  override read(p: string) {
    const fs = this.mounted(p);
    return fs ? fs.read(this.resolve(p)) : super.read(p);
  }

  override write(p: string, data: Buffer, mode?: number) {
    const fs = this.mounted(p);
    return fs ? fs.write(this.resolve(p), data, mode) : super.write(p, data, mode);
  }

  override mkdir(p: string, recursive: boolean) {
    const fs = this.mounted(p);
    return fs ? fs.mkdir(this.resolve(p), recursive) : super.mkdir(p, recursive);
  }

  override remove(p: string) {
    const fs = this.mounted(p);
    return fs ? fs.remove(this.resolve(p)) : super.remove(p);
  }

  override rmdir(p: string) {
    const fs = this.mounted(p);
    return fs ? fs.rmdir(this.resolve(p)) : super.rmdir(p);
  }

  override rename(from: string, to: string) {
    const [a, b] = [this.mounted(from), this.mounted(to)];
    if (a !== b) return false; // across filesystems: EXDEV, as rename(2)
    return a ? a.rename(this.resolve(from), this.resolve(to)) : super.rename(from, to);
  }

  override list(p: string) {
    const fs = this.mounted(p);
    return fs ? fs.list(this.resolve(p)) : super.list(p);
  }

  override filesUnder(dir: string) {
    const fs = this.mounted(dir);
    return fs ? fs.filesUnder(this.resolve(dir)) : super.filesUnder(dir);
  }
}
