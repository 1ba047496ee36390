import { expect, it } from "vitest";
import { eveWebUrl, sshConfigBlock, sshHostAlias } from "./ssh-access";

it("writes a ~/.ssh/config block that goes through cloudflared to ssh-<vmid>", () => {
  // testEnv: BASE_DOMAIN=lab.localhost, VM_DEFAULT_USER defaults to "lab".
  expect(sshConfigBlock({ name: "lab-one", vmid: 1042 })).toBe(
    "Host lab-one\n  HostName ssh-1042.lab.localhost\n  User lab\n  ProxyCommand cloudflared access ssh --hostname %h\n",
  );
  expect(sshConfigBlock({ name: "x", vmid: 7, hostname: "ssh-7.example.net", user: "ops" })).toContain("HostName ssh-7.example.net\n  User ops\n");
});

it("keeps the Host alias to one safe token, whatever the VM is called", () => {
  expect(sshHostAlias("my lab *\nProxyCommand evil", 5)).toBe("my-lab-ProxyCommand-evil");
  expect(sshHostAlias("  ", 5)).toBe("lab-5");
  expect(sshHostAlias("-.-", 12)).toBe("lab-12");
});

it("gives an EVE-NG web address for EVE plans only", () => {
  expect(eveWebUrl("eve", 1042)).toBe("https://eve-1042.lab.localhost");
  expect(eveWebUrl("eve", 1042, "eve-1042.example.net")).toBe("https://eve-1042.example.net");
  expect(eveWebUrl("containerlab", 1042)).toBeNull();
});
