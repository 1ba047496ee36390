import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RfbClient, RGBX_PIXEL_FORMAT, type VncProxyTicket as VncProxy, captureFramebuffer, openConsole, vncPasswordOf, vncResponse } from "./rfb-client";
import { type TestSim, cloneReady, startTestSim } from "./testkit";

let t: TestSim;
const WIDTH = 640;
const HEIGHT = 400;

beforeAll(async () => {
  t = await startTestSim({ shortTaskDurationMs: 10 });
  await cloneReady(t, 180);
  await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/180/status/start"));
});
afterAll(() => t.stop());

const vncproxy = (vmid = 180) => t.api.call<VncProxy>("POST", `/nodes/pve1/qemu/${vmid}/vncproxy`, { websocket: 1, "generate-password": 1 });

function open(proxy: VncProxy, opts: { vmid?: number; auth?: boolean } = {}): Promise<RfbClient> {
  return openConsole(t.sim, "pve1", opts.vmid ?? 180, proxy, opts);
}

async function handshake(c: RfbClient, password: string): Promise<number> {
  expect((await c.read(12)).toString()).toBe("RFB 003.008\n");
  c.send(Buffer.from("RFB 003.008\n"));
  expect([...(await c.read(2))]).toEqual([1, 2]);
  c.send([2]);
  const challenge = await c.read(16);
  c.send(await vncResponse(password, challenge));
  return (await c.read(4)).readUInt32BE(0);
}

async function readUpdate(c: RfbClient, fb: Buffer) {
  const head = await c.read(4);
  expect(head[0]).toBe(0);
  const rects = [];
  for (let i = 0; i < head.readUInt16BE(2); i++) {
    const r = await c.read(12);
    const [x, y, w, h, enc] = [r.readUInt16BE(0), r.readUInt16BE(2), r.readUInt16BE(4), r.readUInt16BE(6), r.readInt32BE(8)];
    expect(enc).toBe(0);
    const pixels = await c.read(w * h * 4);
    for (let row = 0; row < h; row++) pixels.copy(fb, ((y + row) * WIDTH + x) * 4, row * w * 4, (row + 1) * w * 4);
    rects.push({ x, y, w, h });
  }
  return rects;
}

describe("vncproxy + vncwebsocket", () => {
  it("issues a ticket with a fresh 8-character password", async () => {
    const a = await vncproxy();
    const b = await vncproxy();
    expect(a).toMatchObject({ user: "root@pam!labvps", port: expect.stringMatching(/^59\d\d$/), cert: expect.stringContaining("BEGIN CERTIFICATE") });
    expect(a.password).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(a.ticket.startsWith("pw:PVEVNC:")).toBe(true);
    expect(a.upid).toContain(":vncproxy:180:");
    expect(b.password).not.toBe(a.password);
  });

  it("serves RFB 3.8 with VNC auth, a Raw framebuffer, and echoes typed keys", async () => {
    const proxy = await vncproxy();
    const c = await open(proxy);
    expect(c.ws.protocol).toBe("binary");
    expect(await handshake(c, vncPasswordOf(proxy))).toBe(0);
    c.send([1]);
    const init = await c.read(24);
    expect([init.readUInt16BE(0), init.readUInt16BE(2), init[4], init[7]]).toEqual([WIDTH, HEIGHT, 32, 1]);
    expect((await c.read(init.readUInt32BE(20))).toString()).toBe("lab-180");

    // noVNC's pixel format: 32 bpp little-endian, red at shift 0.
    c.send([0, 0, 0, 0], RGBX_PIXEL_FORMAT, [2, 0, 0, 1, 0, 0, 0, 0]);
    c.send([3, 0, 0, 0, 0, 0, WIDTH >> 8, WIDTH & 255, HEIGHT >> 8, HEIGHT & 255]);
    const fb = Buffer.alloc(WIDTH * HEIGHT * 4);
    expect(await readUpdate(c, fb)).toEqual([{ x: 0, y: 0, w: WIDTH, h: HEIGHT }]);
    const lit = (b: Buffer) => b.reduce((n, _v, i) => n + (i % 4 === 0 && b.readUInt32LE(i) !== 0 ? 1 : 0), 0);
    expect(lit(fb)).toBeGreaterThan(1000);
    expect(fb.includes(Buffer.from([200, 200, 200, 0]))).toBe(true);

    const before = Buffer.from(fb);
    c.send([3, 1, 0, 0, 0, 0, WIDTH >> 8, WIDTH & 255, HEIGHT >> 8, HEIGHT & 255]);
    c.send([4, 1, 0, 0, 0, 0, 0, 0x61], [4, 0, 0, 0, 0, 0, 0, 0x61]);
    const [rect] = await readUpdate(c, fb);
    expect(rect.h).toBeLessThan(HEIGHT);
    expect(fb.equals(before)).toBe(false);
    c.ws.close();
  });

  it("captureFramebuffer (the browser test's viewer) reads the VM's name and a drawn screen", async () => {
    const proxy = await vncproxy();
    const c = await open(proxy);
    const fb = await captureFramebuffer(c, vncPasswordOf(proxy));
    c.ws.close();
    expect([fb.width, fb.height, fb.name, fb.pixels.length]).toEqual([WIDTH, HEIGHT, "lab-180", WIDTH * HEIGHT * 4]);
    // RGBX: the light-grey text colour appears as R, G, B = 200.
    expect(fb.pixels.includes(Buffer.from([200, 200, 200, 0]))).toBe(true);
    const wrong = await vncproxy();
    await expect(captureFramebuffer(await open(wrong), "wrongpw1")).rejects.toThrow("SecurityResult 1");
  });

  it("answers a wrong password with a failed SecurityResult and closes", async () => {
    const proxy = await vncproxy();
    const c = await open(proxy);
    expect(await handshake(c, "wrongpw1")).toBe(1);
    const len = (await c.read(4)).readUInt32BE(0);
    expect((await c.read(len)).toString()).toBe("Authentication failed");
    await new Promise((r) => c.ws.once("close", r));
  });

  it("refuses a forged, foreign or unauthenticated ticket (401) and a proxy already used or timed out (502)", async () => {
    const proxy = await vncproxy();
    (await open(proxy)).ws.close();
    await expect(open(proxy)).rejects.toThrow("HTTP 502");
    await expect(open(await vncproxy(), { auth: false })).rejects.toThrow("HTTP 401");
    await expect(open({ ...(await vncproxy()), ticket: "pw:PVEVNC:00000000::forged" })).rejects.toThrow("HTTP 401");
    await cloneReady(t, 181);
    await expect(open(await vncproxy(181), { vmid: 180 })).rejects.toThrow("HTTP 401");
    t.sim.settings.vncTicketTtlMs = 30;
    const shortLived = await vncproxy();
    t.sim.settings.vncTicketTtlMs = 10_000;
    await new Promise((r) => setTimeout(r, 80));
    await expect(open(shortLived)).rejects.toThrow("HTTP 502");
    const logged = t.sim.requestLog().filter((r) => r.kind === "vnc");
    expect(logged.every((r) => r.params.vncticket === "**********")).toBe(true);
  });

  it("shows Ctrl-Alt-Del on the screen and logs it", async () => {
    const proxy = await vncproxy();
    const c = await open(proxy);
    const before = await captureFramebuffer(c, vncPasswordOf(proxy));
    // noVNC's sendCtrlAltDel: Control_L, Alt_L, Delete down, then up in reverse.
    for (const [down, key] of [
      [1, 0xffe3],
      [1, 0xffe9],
      [1, 0xffff],
      [0, 0xffff],
      [0, 0xffe9],
      [0, 0xffe3],
    ]) {
      c.send([4, down, 0, 0, (key >> 24) & 255, (key >> 16) & 255, (key >> 8) & 255, key & 255]);
    }
    c.send([3, 0, 0, 0, 0, 0, WIDTH >> 8, WIDTH & 255, HEIGHT >> 8, HEIGHT & 255]);
    const fb = Buffer.alloc(WIDTH * HEIGHT * 4);
    await readUpdate(c, fb);
    c.ws.close();
    expect(fb.equals(before.pixels)).toBe(false);
    expect(t.sim.requestLog().some((r) => r.method === "KEYS" && r.path === "/nodes/pve1/qemu/180/ctrl-alt-del")).toBe(true);
  });

  it("closes the console when the VM stops", async () => {
    const proxy = await vncproxy();
    const c = await open(proxy);
    expect(await handshake(c, vncPasswordOf(proxy))).toBe(0);
    const closed = new Promise((r) => c.ws.once("close", r));
    await t.api.waitTask(await t.api.call<string>("POST", "/nodes/pve1/qemu/180/status/stop"));
    await closed;
    expect(t.sim.tasks().find((x) => x.upid === proxy.upid)?.status).toBe("stopped");
  });
});

describe("PVE 8 console (PROXMOX_SIM_PVE_VERSION=8)", () => {
  let t8: TestSim;
  beforeAll(async () => {
    t8 = await startTestSim({ shortTaskDurationMs: 10, pveVersion: 8 });
    await cloneReady(t8, 190);
    await t8.api.waitTask(await t8.api.call<string>("POST", "/nodes/pve1/qemu/190/status/start"));
  });
  afterAll(() => t8.stop());

  it("returns a password only with generate-password=1; without it the ticket is the VNC password", async () => {
    const plain = await t8.api.call<VncProxy>("POST", "/nodes/pve1/qemu/190/vncproxy", { websocket: 1 });
    expect(plain.password).toBeUndefined();
    expect(plain.ticket.startsWith("PVEVNC:")).toBe(true);
    expect((await captureFramebuffer(await openConsole(t8.sim, "pve1", 190, plain), plain.ticket)).name).toBe("lab-190");
    const generated = await t8.api.call<VncProxy>("POST", "/nodes/pve1/qemu/190/vncproxy", { websocket: 1, "generate-password": 1 });
    expect(generated.password).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(generated.ticket.startsWith("PVEVNC:")).toBe(true);
    await expect(captureFramebuffer(await openConsole(t8.sim, "pve1", 190, generated), generated.ticket)).rejects.toThrow("SecurityResult 1");
  });
});

describe("plain TCP RFB port (bench/console)", () => {
  it("serves the same console with security type None", async () => {
    const { Socket } = await import("node:net");
    const tt = await startTestSim({ vncTcpPort: 0 });
    try {
      const socket = new Socket();
      await new Promise<void>((r) => socket.connect(tt.sim.vncTcpPort!, "127.0.0.1", r));
      const chunks: Buffer[] = [];
      const read = async (n: number) => {
        for (;;) {
          const all = Buffer.concat(chunks);
          if (all.length >= n) {
            chunks.length = 0;
            chunks.push(all.subarray(n));
            return all.subarray(0, n);
          }
          await new Promise((r) => socket.once("data", (d: Buffer) => r(chunks.push(d))));
        }
      };
      expect((await read(12)).toString()).toBe("RFB 003.008\n");
      socket.write("RFB 003.008\n");
      expect([...(await read(2))]).toEqual([1, 1]);
      socket.write(Buffer.from([1]));
      expect((await read(4)).readUInt32BE(0)).toBe(0);
      socket.write(Buffer.from([1]));
      const init = await read(24);
      expect([init.readUInt16BE(0), init.readUInt16BE(2)]).toEqual([WIDTH, HEIGHT]);
      socket.destroy();
    } finally {
      await tt.stop();
    }
  });
});
