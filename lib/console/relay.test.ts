import { EventEmitter } from "node:events";
import type { WebSocket } from "ws";
import { describe, expect, it } from "vitest";
import { startRelay } from "./relay";

/** A WebSocket double: records sends, holds their write callbacks until `flush`, counts pauses. */
class FakeSocket extends EventEmitter {
  sent: Buffer[] = [];
  pending: Array<() => void> = [];
  paused = false;
  pauses = 0;
  send(data: Buffer, _opts: unknown, cb: () => void) {
    this.sent.push(data);
    this.pending.push(cb);
  }
  pause() {
    this.paused = true;
    this.pauses++;
  }
  resume() {
    this.paused = false;
  }
  flush() {
    this.pending.splice(0).forEach((cb) => cb());
  }
}

const pair = () => {
  const browser = new FakeSocket();
  const upstream = new FakeSocket();
  const ends: string[] = [];
  startRelay(
    browser as unknown as WebSocket,
    upstream as unknown as WebSocket,
    { fromBrowser: Buffer.from([1]), fromUpstream: Buffer.alloc(0) },
    (why) => ends.push(why),
    { pauseAtBytes: 1000, capBytes: 5000 },
  );
  return { browser, upstream, ends };
};

describe("console relay", () => {
  it("forwards whole frames both ways, bytes left over from the handshake first", () => {
    const { browser, upstream } = pair();
    browser.emit("message", Buffer.from([2, 3]), true);
    upstream.emit("message", Buffer.from("frame"), true);
    expect(upstream.sent.map((b) => [...b])).toEqual([[1], [2, 3]]);
    expect(browser.sent.map(String)).toEqual(["frame"]);
  });

  it("pauses the sender while the receiver has more than pauseAt unsent, and resumes once it drains", () => {
    const { browser, upstream } = pair();
    upstream.emit("message", Buffer.alloc(600), true);
    expect(upstream.paused).toBe(false);
    upstream.emit("message", Buffer.alloc(600), true);
    expect(upstream.paused).toBe(true);
    browser.flush();
    expect(upstream.paused).toBe(false);
  });

  it("gives up as too slow when one side would hold more than the cap, and ends on a text frame", () => {
    const slow = pair();
    for (let i = 0; i < 6; i++) slow.upstream.emit("message", Buffer.alloc(1000), true);
    expect(slow.ends).toEqual(["too_slow"]);
    const text = pair();
    text.browser.emit("message", Buffer.from("hi"), false);
    expect(text.ends).toEqual(["protocol"]);
    expect(text.upstream.sent).toHaveLength(1);
  });
});
