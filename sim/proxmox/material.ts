// Key material kept in the state dir across restarts, so the app can pin the same CA and use
// the same SSH key every time: a CA + server certificate for 127.0.0.1/localhost, an SSH host
// key, and the SSH client key pair the app logs in with.
import { X509Certificate, createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generate } from "selfsigned";
import ssh2 from "ssh2";

export const FILES = {
  caCert: "proxmox-ca.pem",
  caKey: "proxmox-ca.key",
  serverCert: "proxmox-server.pem",
  serverKey: "proxmox-server.key",
  sshHostKey: "proxmox-ssh-host.key",
  sshClientKey: "proxmox-ssh-client.key",
  sshClientPub: "proxmox-ssh-client.key.pub",
} as const;

export interface Material {
  caCertPem: string;
  caCertPath: string;
  serverCertPem: string;
  serverKeyPem: string;
  sshHostKey: string;
  sshHostFingerprint: string;
  sshClientKeyPath: string;
  sshClientPublicKey: string;
}

const YEAR_MS = 365 * 24 * 3600 * 1000;

function writeAtomic(file: string, content: string, mode: number) {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}

function tlsUsable(dir: string): boolean {
  const paths = [FILES.caCert, FILES.caKey, FILES.serverCert, FILES.serverKey].map((f) => path.join(dir, f));
  if (!paths.every((p) => existsSync(p))) return false;
  try {
    const ca = new X509Certificate(readFileSync(paths[0]));
    const cert = new X509Certificate(readFileSync(paths[2]));
    const soon = Date.now() + 7 * 24 * 3600 * 1000;
    return cert.checkIssued(ca) && cert.verify(ca.publicKey) && new Date(cert.validTo).getTime() > soon && cert.checkIP("127.0.0.1") !== undefined;
  } catch {
    return false;
  }
}

async function generateTls(dir: string) {
  const notAfterDate = new Date(Date.now() + 5 * YEAR_MS);
  const ca = await generate([{ name: "commonName", value: "Lab VPS Proxmox stand-in CA" }], {
    keyType: "ec",
    algorithm: "sha256",
    notAfterDate,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const server = await generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    algorithm: "sha256",
    notAfterDate,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      {
        name: "subjectAltName",
        altNames: [
          { type: 2, value: "localhost" },
          { type: 7, ip: "127.0.0.1" },
          { type: 7, ip: "::1" },
        ],
      },
    ],
  });
  writeAtomic(path.join(dir, FILES.caKey), ca.private, 0o600);
  writeAtomic(path.join(dir, FILES.serverKey), server.private, 0o600);
  writeAtomic(path.join(dir, FILES.serverCert), server.cert, 0o644);
  writeAtomic(path.join(dir, FILES.caCert), ca.cert, 0o644);
}

// ssh2's keygen drops leading zero bytes of an ed25519 public key, so about 1 key in 256 comes out
// malformed and parseKey refuses it (mscdex/ssh2#1390, #1513; still in 1.17.0). Such a pair is
// useless to both ends, so draw again until ssh2 can read what it wrote.
export function generateSshKey(comment = ""): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync("ed25519", { comment });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error) && !(ssh2.utils.parseKey(pair.public) instanceof Error)) return pair;
  }
  throw new Error("could not generate a readable ed25519 SSH key");
}

function ensureSshKey(file: string, comment: string, pubFile?: string): string {
  // A key left malformed by an older run is replaced rather than failing every start.
  if (existsSync(file) && !(ssh2.utils.parseKey(readFileSync(file, "utf8")) instanceof Error)) return readFileSync(file, "utf8");
  const pair = generateSshKey(comment);
  if (pubFile) writeAtomic(pubFile, `${pair.public}\n`, 0o644);
  writeAtomic(file, pair.private, 0o600);
  return pair.private;
}

/** `SHA256:<base64>` as OpenSSH prints it (and as ssh2's hostVerifier can compute). */
export function sshFingerprint(publicBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(publicBlob).digest("base64").replace(/=+$/, "")}`;
}

export function publicKeyLine(privateKey: string): string {
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  return `${key.type} ${key.getPublicSSH().toString("base64")}`;
}

export async function loadMaterial(stateDir: string): Promise<Material> {
  const dir = path.resolve(stateDir);
  mkdirSync(dir, { recursive: true });
  if (!tlsUsable(dir)) await generateTls(dir);
  const sshHostKey = ensureSshKey(path.join(dir, FILES.sshHostKey), "proxmox-sim-host");
  const clientKeyPath = path.join(dir, FILES.sshClientKey);
  const clientKey = ensureSshKey(clientKeyPath, "labvps-app@proxmox-sim", path.join(dir, FILES.sshClientPub));
  const host = ssh2.utils.parseKey(sshHostKey);
  if (host instanceof Error) throw host;
  const hostKey = Array.isArray(host) ? host[0] : host;
  return {
    caCertPem: readFileSync(path.join(dir, FILES.caCert), "utf8"),
    caCertPath: path.join(dir, FILES.caCert),
    serverCertPem: readFileSync(path.join(dir, FILES.serverCert), "utf8"),
    serverKeyPem: readFileSync(path.join(dir, FILES.serverKey), "utf8"),
    sshHostKey,
    sshHostFingerprint: sshFingerprint(hostKey.getPublicSSH()),
    sshClientKeyPath: clientKeyPath,
    sshClientPublicKey: publicKeyLine(clientKey),
  };
}

/** A further node's own SSH host key (the first node keeps FILES.sshHostKey), kept across restarts. */
export function loadNodeHostKey(stateDir: string, node: string): { key: string; fingerprint: string } {
  const key = ensureSshKey(path.join(path.resolve(stateDir), `proxmox-ssh-host-${node}.key`), `proxmox-sim-host-${node}`);
  const parsed = ssh2.utils.parseKey(key);
  if (parsed instanceof Error) throw parsed;
  return { key, fingerprint: sshFingerprint((Array.isArray(parsed) ? parsed[0] : parsed).getPublicSSH()) };
}
