// The node's SSH daemon: user root, public-key auth only (the app's key plus any extra keys),
// `exec` of the commands in shell.ts, and the SFTP subsystem.
import { timingSafeEqual } from "node:crypto";
import ssh2, { type Connection, type ParsedKey } from "ssh2";
import type { Sim } from "./context";
import { serveSftp } from "./sftp";
import { runCommand } from "./shell";

function parseAuthorized(lines: string[]): ParsedKey[] {
  const keys: ParsedKey[] = [];
  for (const line of lines
    .flatMap((l) => l.split("\n"))
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))) {
    const parsed = ssh2.utils.parseKey(line);
    if (parsed instanceof Error) throw new Error(`authorized key is not valid: ${parsed.message}`);
    keys.push(Array.isArray(parsed) ? parsed[0] : parsed);
  }
  return keys;
}

export interface SshServer {
  server: ssh2.Server;
  close(): Promise<void>;
}

/** The SSH daemon of one node: `qm` and files act on that node, as `ssh root@<node>` does. */
export function createSshServer(sim: Sim, node: string, hostKey: string, authorizedKeys: string[]): SshServer {
  const allowed = parseAuthorized(authorizedKeys);
  const clients = new Set<Connection>();

  const server = new ssh2.Server({ hostKeys: [hostKey], ident: "OpenSSH_9.2p1 Debian-2+deb12u3" }, (client) => {
    clients.add(client);
    // ssh2 writes each SSH packet with its own socket write; with Nagle on, the second of two small
    // packets waits for the peer's delayed ACK (40 ms), several times per SFTP upload. OpenSSH's
    // sshd writes whole buffers at once and does not stall so: the stand-in should not either.
    (client as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
    client.on("close", () => clients.delete(client));
    client.on("error", () => clients.delete(client));
    client.on("authentication", (ctx) => {
      if (ctx.method !== "publickey" || ctx.username !== "root") return ctx.reject(["publickey"]);
      const key = allowed.find(
        (k) => k.type === ctx.key.algo && k.getPublicSSH().length === ctx.key.data.length && timingSafeEqual(k.getPublicSSH(), ctx.key.data),
      );
      if (!key) return ctx.reject(["publickey"]);
      // Without a signature the client only asks whether this key would be accepted.
      if (ctx.signature && key.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(["publickey"]);
      ctx.accept();
    });
    client.on("ready", () => {
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        session.on("exec", (accept, _reject, info) => {
          const stream = accept();
          void runCommand(sim, node, info.command).then((res) => {
            if (stream.destroyed) return;
            if (res.stdout) stream.write(res.stdout);
            if (res.stderr) stream.stderr.write(res.stderr);
            stream.exit(res.code);
            stream.end();
          });
        });
        session.on("sftp", (accept) => serveSftp(sim, node, accept()));
        session.on("shell", (_accept, reject) => reject());
        session.on("pty", (_accept, reject) => reject?.());
      });
    });
  });

  return {
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.end();
        server.close(() => resolve());
      }),
  };
}
