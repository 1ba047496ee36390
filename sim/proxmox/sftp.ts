// The SFTP subsystem over the in-memory filesystem: enough for ssh2's writeFile, fastPut,
// createWriteStream, readFile, stat, mkdir, readdir, unlink and rename.
import ssh2, { type Attributes, type SFTPWrapper } from "ssh2";
import type { Sim } from "./context";

const { OPEN_MODE, STATUS_CODE } = ssh2.utils.sftp;

type Handle = { kind: "file"; path: string; data: Buffer; write: boolean; wrote: boolean } | { kind: "dir"; path: string; done: boolean };

function attrsOf(stat: { mode: number; size: number; mtime: number }): Attributes {
  return { mode: stat.mode, uid: 0, gid: 0, size: stat.size, atime: stat.mtime, mtime: stat.mtime };
}

export function serveSftp(sim: Sim, node: string, sftp: SFTPWrapper) {
  const fs = sim.fsOf(node);
  const handles = new Map<number, Handle>();
  let nextId = 0;
  const open = (h: Handle) => {
    const buf = Buffer.alloc(4);
    buf.writeUInt32BE(++nextId);
    handles.set(nextId, h);
    return buf;
  };
  const lookup = (buf: Buffer) => (buf.length === 4 ? handles.get(buf.readUInt32BE(0)) : undefined);
  const status = (reqid: number, code: number, message?: string) => sftp.status(reqid, code, message);
  // ssh2 leaves the channel open after the client's EOF; OpenSSH's sftp waits for the close.
  sftp.on("end", () => sftp.end());

  sftp.on("OPEN", (reqid, filename, flags, attrs) => {
    const path = fs.resolve(filename);
    const stat = fs.stat(path);
    if (stat?.isDir) return status(reqid, STATUS_CODE.FAILURE, "Is a directory");
    const write = (flags & (OPEN_MODE.WRITE | OPEN_MODE.APPEND)) !== 0;
    if (!write) {
      const data = fs.read(path);
      return data ? sftp.handle(reqid, open({ kind: "file", path, data, write, wrote: false })) : status(reqid, STATUS_CODE.NO_SUCH_FILE);
    }
    if (!stat && !(flags & OPEN_MODE.CREAT)) return status(reqid, STATUS_CODE.NO_SUCH_FILE);
    if (stat && flags & OPEN_MODE.EXCL) return status(reqid, STATUS_CODE.FAILURE, "File exists");
    const data = stat && !(flags & OPEN_MODE.TRUNC) ? fs.read(path)! : Buffer.alloc(0);
    if (!fs.write(path, data, attrs.mode ?? 0o644)) return status(reqid, STATUS_CODE.NO_SUCH_FILE);
    sftp.handle(reqid, open({ kind: "file", path, data, write, wrote: false }));
  });

  sftp.on("WRITE", (reqid, handle, offset, data) => {
    const h = lookup(handle);
    if (h?.kind !== "file" || !h.write) return status(reqid, STATUS_CODE.FAILURE);
    const end = offset + data.length;
    if (end > h.data.length) h.data = Buffer.concat([h.data, Buffer.alloc(end - h.data.length)]);
    data.copy(h.data, offset);
    h.wrote = true;
    fs.write(h.path, h.data);
    status(reqid, STATUS_CODE.OK);
  });

  sftp.on("READ", (reqid, handle, offset, length) => {
    const h = lookup(handle);
    if (h?.kind !== "file") return status(reqid, STATUS_CODE.FAILURE);
    if (offset >= h.data.length) return status(reqid, STATUS_CODE.EOF);
    sftp.data(reqid, h.data.subarray(offset, offset + length));
  });

  sftp.on("FSTAT", (reqid, handle) => {
    const h = lookup(handle);
    const stat = h && fs.stat(h.path);
    return stat ? sftp.attrs(reqid, attrsOf(stat)) : status(reqid, STATUS_CODE.FAILURE);
  });

  const statPath = (reqid: number, p: string) => {
    const stat = fs.stat(p);
    return stat ? sftp.attrs(reqid, attrsOf(stat)) : status(reqid, STATUS_CODE.NO_SUCH_FILE);
  };
  sftp.on("STAT", statPath);
  sftp.on("LSTAT", statPath);
  sftp.on("SETSTAT", (reqid, p) => status(reqid, fs.stat(p) ? STATUS_CODE.OK : STATUS_CODE.NO_SUCH_FILE));
  sftp.on("FSETSTAT", (reqid, handle) => status(reqid, lookup(handle) ? STATUS_CODE.OK : STATUS_CODE.FAILURE));

  sftp.on("CLOSE", (reqid, handle) => {
    const h = lookup(handle);
    if (!h) return status(reqid, STATUS_CODE.FAILURE);
    handles.delete(handle.readUInt32BE(0));
    if (h.kind === "file" && h.write) sim.log.begin({ kind: "sftp", method: "PUT", path: h.path, params: { node, size: String(h.data.length) } })(0);
    status(reqid, STATUS_CODE.OK);
  });

  sftp.on("MKDIR", (reqid, p) => {
    const outcome = fs.mkdir(p, false);
    if (outcome === "ok") sim.log.begin({ kind: "sftp", method: "MKDIR", path: fs.resolve(p), params: { node } })(0);
    status(reqid, outcome === "ok" ? STATUS_CODE.OK : outcome === "exists" ? STATUS_CODE.FAILURE : STATUS_CODE.NO_SUCH_FILE);
  });
  sftp.on("RMDIR", (reqid, p) => status(reqid, fs.rmdir(p) ? STATUS_CODE.OK : STATUS_CODE.FAILURE));
  sftp.on("REMOVE", (reqid, p) => {
    const removed = fs.remove(p);
    if (removed) sim.log.begin({ kind: "sftp", method: "REMOVE", path: fs.resolve(p), params: { node } })(0);
    status(reqid, removed ? STATUS_CODE.OK : STATUS_CODE.NO_SUCH_FILE);
  });
  sftp.on("RENAME", (reqid, from, to) => status(reqid, fs.rename(from, to) ? STATUS_CODE.OK : STATUS_CODE.FAILURE));
  sftp.on("REALPATH", (reqid, p) => {
    const full = fs.resolve(p);
    sftp.name(reqid, [{ filename: full, longname: full, attrs: {} as Attributes }]);
  });

  sftp.on("OPENDIR", (reqid, p) => {
    if (!fs.list(p)) return status(reqid, STATUS_CODE.NO_SUCH_FILE);
    sftp.handle(reqid, open({ kind: "dir", path: fs.resolve(p), done: false }));
  });
  sftp.on("READDIR", (reqid, handle) => {
    const h = lookup(handle);
    if (h?.kind !== "dir") return status(reqid, STATUS_CODE.FAILURE);
    if (h.done) return status(reqid, STATUS_CODE.EOF);
    h.done = true;
    const names = (fs.list(h.path) ?? []).map((name) => {
      const stat = fs.stat(`${h.path}/${name}`)!;
      return { filename: name, longname: `${stat.isDir ? "d" : "-"}rw-r--r-- 1 root root ${stat.size} ${name}`, attrs: attrsOf(stat) };
    });
    return names.length ? sftp.name(reqid, names) : status(reqid, STATUS_CODE.EOF);
  });
}
