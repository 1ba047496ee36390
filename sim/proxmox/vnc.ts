// Console: `POST .../vncproxy` issues a one-time ticket + VNC password; `GET .../vncwebsocket`
// (a WebSocket upgrade on the API port, token-authenticated) then speaks RFB to the viewer.
import { randomBytes, randomInt } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type AddressInfo, type Server as NetServer, createServer as createNetServer } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Sim, VncTicket } from "./context";
import { PveError } from "./errors";
import { RfbSession } from "./rfb";
import type { Route } from "./router";
import { splitPath } from "./router";

const PASSWORD_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

function rejectUpgrade(socket: Duplex, status: number, reason: string) {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`);
}

// pveproxy refuses client frames over 128 KiB (PVE::APIServer::AnyEvent websocket_proxy); ws's
// maxPayload closes such a connection with 1009 the same way.
export class VncService {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 128 * 1024,
    handleProtocols: (protocols) => (protocols.has("binary") ? "binary" : false),
  });
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly sessions = new Map<WebSocket, number>();
  private tcp: NetServer | undefined;

  constructor(
    private readonly sim: Sim,
    private readonly certPem: string,
  ) {
    sim.events.on("vm-stopped", (vmid: number) => {
      for (const [ws, id] of this.sessions) if (id === vmid) ws.close(1000, "VM stopped");
    });
  }

  readonly route: Route = {
    method: "POST",
    path: "/nodes/{node}/qemu/{vmid}/vncproxy",
    allow: ["websocket", "generate-password"],
    handler: ({ sim, params, args }) => {
      const vm = sim.cluster.vmOn(params.node, params.vmid);
      if (vm.config.template) throw new PveError(`VM ${vm.vmid} is a template`);
      const generate = args["generate-password"] === "1" || args["generate-password"] === "true";
      // qemu-server (PVE 8, up to 9.1.6): the ticket itself is the VNC password unless
      // generate-password=1 asks for a separate one, and only then is `password` returned. From
      // 9.1.7 a password is always generated and returned, and the ticket says so with `pw:`.
      const password =
        generate || sim.settings.pveVersion === 9 ? Array.from({ length: 8 }, () => PASSWORD_CHARS[randomInt(PASSWORD_CHARS.length)]).join("") : undefined;
      const stamp = Math.floor(Date.now() / 1000)
        .toString(16)
        .toUpperCase();
      const ticket = `${sim.settings.pveVersion === 9 ? "pw:" : ""}PVEVNC:${stamp}::${randomBytes(96).toString("base64")}`;
      const port = sim.nextVncPort();
      const task = sim.tasks.start({ node: vm.node, type: "vncproxy", id: vm.vmid, user: sim.user, durationMs: null, countsInFlight: false });
      // VNC Authentication uses the first 8 bytes of whatever the password is.
      const entry: VncTicket = {
        ticket,
        password: password ?? ticket,
        vmid: vm.vmid,
        node: vm.node,
        port,
        expiresAt: Date.now() + sim.settings.vncTicketTtlMs,
        used: false,
        upid: task.upid,
      };
      sim.vncTickets.set(ticket, entry);
      // The proxy behind the port waits ~10 s for its one connection, then exits (vncTicketTtlMs).
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (!entry.used) sim.tasks.stop(task.upid, "connection timed out");
      }, sim.settings.vncTicketTtlMs);
      this.timers.add(timer);
      return { user: sim.user, ticket, port: String(port), upid: task.upid, cert: this.certPem, ...(password === undefined ? {} : { password }) };
    },
  };

  /** `authorized` is the API token check done by the server for every /api2 request. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, authorized: boolean) {
    const url = new URL(req.url ?? "/", "https://localhost");
    const seg = splitPath(url.pathname.replace(/^\/api2\/json/, ""));
    const isVncPath = seg.length === 5 && seg[0] === "nodes" && seg[2] === "qemu" && seg[4] === "vncwebsocket";
    const done = this.sim.log.begin({ kind: "vnc", method: "GET", path: url.pathname, params: Object.fromEntries(url.searchParams) });
    const refuse = (status: number, reason: string) => {
      done(status);
      rejectUpgrade(socket, status, reason);
    };
    if (!url.pathname.startsWith("/api2/json/") || !isVncPath) return refuse(501, `Method 'GET ${url.pathname}' not implemented`);
    if (!authorized) return refuse(401, "authentication failure");
    const vm = this.sim.cluster.find(Number(seg[3]));
    if (!vm || vm.node !== seg[1]) return refuse(500, `Configuration file 'nodes/${seg[1]}/qemu-server/${seg[3]}.conf' does not exist`);
    const port = url.searchParams.get("port");
    const ticketText = url.searchParams.get("vncticket");
    if (!port || !ticketText) return refuse(400, "Parameter verification failed.");
    const ticket = this.sim.vncTickets.get(ticketText);
    // PVE::AccessControl::verify_vnc_ticket binds the ticket to the token and the VM's path (and,
    // from 9.1.7, the port); a ticket that does not verify is 401. A valid ticket whose proxy has
    // already taken its one connection, or gave up waiting, finds nothing listening: 502.
    const portBound = this.sim.settings.pveVersion === 9;
    if (!ticket || ticket.vmid !== vm.vmid || (portBound && String(ticket.port) !== port)) return refuse(401, "invalid ticket");
    if (ticket.used || ticket.expiresAt < Date.now() || String(ticket.port) !== port) return refuse(502, "unable to connect to VNC proxy");
    ticket.used = true;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      done(101);
      this.attach(ws, ticket, vm.status === "running" ? String(vm.config.name ?? `VM ${vm.vmid}`) : null);
    });
  }

  private attach(ws: WebSocket, ticket: VncTicket, name: string | null) {
    if (name === null) {
      // Like `qm vncproxy` on a stopped guest: the proxy dies and the socket closes.
      ws.close(1011, `VM ${ticket.vmid} not running`);
      this.sim.tasks.stop(ticket.upid, `VM ${ticket.vmid} not running`);
      return;
    }
    this.sessions.set(ws, ticket.vmid);
    const session = new RfbSession({
      password: ticket.password,
      name,
      vmid: ticket.vmid,
      send: (data) => ws.send(data),
      close: (reason) => ws.close(1000, reason),
      onCtrlAltDel: () => this.sim.log.begin({ kind: "vnc", method: "KEYS", path: `/nodes/${ticket.node}/qemu/${ticket.vmid}/ctrl-alt-del`, params: {} })(200),
    });
    ws.on("message", (data: Buffer) => session.feed(data));
    ws.on("close", () => {
      session.end();
      this.sessions.delete(ws);
      this.sim.tasks.stop(ticket.upid);
    });
  }

  /**
   * The same RFB stream on a plain TCP port with security type None, as a VM's `vnc=` display
   * would offer it: what websockify relays in the console benchmark.
   */
  async listenTcp(port: number, host: string): Promise<number> {
    this.tcp = createNetServer((socket) => {
      socket.setNoDelay(true);
      const session = new RfbSession({ password: null, name: "bench", vmid: 0, send: (data) => socket.write(data), close: () => socket.end() });
      socket.on("data", (data) => session.feed(data));
      socket.on("close", () => session.end());
      socket.on("error", () => socket.destroy());
    });
    const tcp = this.tcp;
    await new Promise<void>((resolve, reject) => tcp.once("error", reject).listen(port, host, () => resolve()));
    return (tcp.address() as AddressInfo).port;
  }

  close() {
    this.tcp?.close();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const ws of this.sessions.keys()) ws.terminate();
    this.wss.close();
  }
}
