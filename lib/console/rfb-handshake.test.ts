import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { vncResponse } from "@lab-vps/sim/testkit";
import { vncAuthResponse } from "./rfb-handshake";

describe("VNC Authentication", () => {
  it("the broker's DES response equals noVNC's own for 8-character passwords and long tickets (first 8 bytes count)", async () => {
    for (const password of ["Ab3dE5gH", "pw:PVEVNC:674A1B2C::c2lnbmF0dXJl", "short"]) {
      const challenge = randomBytes(16);
      expect(vncAuthResponse(password, challenge).equals(await vncResponse(password.slice(0, 8), challenge))).toBe(true);
    }
  });
});
