// The client address in both start modes: through server.ts (stamped, supported) and plain
// `next start` (no stamp: nothing the client sends is believed, and proxy.ts refuses to serve).
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { clientIp } from "@/lib/auth/rate-limit";
import { CLIENT_IP_HEADER, SERVER_STAMP_HEADER, initServerStamp, readClientAddress, stampClientAddress } from "./client-address";

function incoming(headers: Record<string, string>, remoteAddress = "203.0.113.7") {
  return { headers: { ...headers }, socket: { remoteAddress } } as unknown as IncomingMessage;
}
const toHeaders = (req: IncomingMessage) => new Headers(req.headers as Record<string, string>);

describe("through server.ts", () => {
  it("the socket address wins over a client's own x-labvps-client-ip and stamp", () => {
    const env: Record<string, string | undefined> = {};
    const stamp = initServerStamp(env);
    const req = incoming({ [CLIENT_IP_HEADER]: "10.9.9.9", [SERVER_STAMP_HEADER]: "guessed", "x-forwarded-for": "10.1.1.1" });
    stampClientAddress(req, { trustProxy: false, stamp });
    expect(readClientAddress(toHeaders(req), env)).toBe("203.0.113.7");
  });

  it("behind a trusted proxy, the last X-Forwarded-For hop (the proxy's own) is the client", () => {
    const env: Record<string, string | undefined> = {};
    const stamp = initServerStamp(env);
    const req = incoming({ "x-forwarded-for": "10.1.1.1, 198.51.100.4" }, "127.0.0.1");
    stampClientAddress(req, { trustProxy: true, stamp });
    expect(readClientAddress(toHeaders(req), env)).toBe("198.51.100.4");
  });

  it("every process has its own stamp", () => {
    const [a, b] = [initServerStamp({}), initServerStamp({})];
    expect(a).not.toBe(b);
    expect(a.length).toBeGreaterThanOrEqual(32);
  });
});

describe("plain next start (no server.ts)", () => {
  const forged = new Headers({ [CLIENT_IP_HEADER]: "10.9.9.9", [SERVER_STAMP_HEADER]: "anything", "x-forwarded-for": "10.8.8.8" });

  it("a client-sent x-labvps-client-ip is not believed, so it cannot escape the per-IP sign-in limit", () => {
    expect(readClientAddress(forged, {})).toBeNull();
    expect(readClientAddress(forged, { LABVPS_SERVER_STAMP: "the-real-one-0123456789abcdef" })).toBeNull();
  });

  it("the sign-in rate limit refuses to key on an unstamped address (fails closed)", () => {
    expect(() => clientIp(forged)).toThrow(/server\.ts/);
  });
});
