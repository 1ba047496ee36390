// A reverse proxy for `LOCAL_REPLICAS=2 npm run start:local` (issue 22, Build 6): the production
// shape (deploy/: replicas behind a proxy) on one machine. Each request and each WebSocket upgrade
// goes to the next replica in turn, with no affinity of any kind: so consecutive page loads, server
// actions, webhooks, Inngest calls and consoles of one browser land on different instances, which
// is what proves that nothing depends on the instance that served the previous request. It adds
// X-Forwarded-For (the replicas run with TRUST_PROXY=1, as behind deploy/'s proxy) and answers
// with `x-labvps-replica: <n>` so a test can see who served what. Tooling only, not product code.
import http from "node:http";
import net from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export type RoundRobinProxy = { port: number; served: number[]; close(): Promise<void> };

export async function startRoundRobinProxy(opts: { port: number; host: string; upstreams: number[] }): Promise<RoundRobinProxy> {
  // Requests and upgrades take turns separately, so consecutive consoles of one browser (the only
  // WebSockets in production) are always relayed by different replicas.
  const turns = { request: 0, upgrade: 0 };
  const served = opts.upstreams.map(() => 0);
  const pick = (kind: keyof typeof turns) => {
    const index = turns[kind]++ % opts.upstreams.length;
    served[index]++;
    return index;
  };
  const forwardedFor = (req: http.IncomingMessage) => {
    const prior = req.headers["x-forwarded-for"];
    return [typeof prior === "string" ? prior : null, req.socket.remoteAddress ?? "127.0.0.1"].filter(Boolean).join(", ");
  };

  const server = http.createServer((req, res) => {
    const index = pick("request");
    const upstream = http.request(
      { host: "127.0.0.1", port: opts.upstreams[index], method: req.method, path: req.url, headers: { ...req.headers, "x-forwarded-for": forwardedFor(req) } },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, { ...answer.headers, "x-labvps-replica": String(index + 1) });
        answer.pipe(res);
      },
    );
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end("replica unavailable\n");
      else res.destroy();
    });
    req.pipe(upstream);
  });

  // WebSockets (the console): the upgrade request is replayed to the chosen replica as raw bytes,
  // then both sockets are piped; the replica's own 101 answer goes back unchanged.
  server.on("upgrade", (req, socket, head) => {
    const index = pick("upgrade");
    const upstream = net.connect(opts.upstreams[index], "127.0.0.1", () => {
      const headers = { ...req.headers, "x-forwarded-for": forwardedFor(req) };
      const lines = [
        `${req.method} ${req.url} HTTP/1.1`,
        ...Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}: ${x}`) : v === undefined ? [] : [`${k}: ${v}`])),
      ];
      upstream.write(`${lines.join("\r\n")}\r\n\r\n`);
      if (head.length) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    const end = () => {
      upstream.destroy();
      socket.destroy();
    };
    upstream.on("error", end);
    socket.on("error", end);
    upstream.on("close", end);
    socket.on("close", end);
  });

  await new Promise<void>((resolve) => server.listen(opts.port, opts.host, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    served,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
