import { expect, it } from "vitest";
import { listenHost } from "./listen-host";

it.each([
  [{ NODE_ENV: "development" }, "127.0.0.1"],
  [{}, "127.0.0.1"],
  [{ NODE_ENV: "production", LABVPS_LOCAL_MODE: "1" }, "127.0.0.1"],
  [{ NODE_ENV: "production" }, "0.0.0.0"],
  [{ NODE_ENV: "development", HOST: "0.0.0.0" }, "0.0.0.0"],
  [{ NODE_ENV: "production", LABVPS_LOCAL_MODE: "1", HOST: "192.0.2.10" }, "192.0.2.10"],
])("local modes listen on loopback unless HOST says otherwise: %j → %s", (env, host) => {
  expect(listenHost(env)).toBe(host);
});
