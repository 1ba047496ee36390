import { expect, it } from "vitest";
import { connectionWords, eveWebUrl, sshConfigBlock, sshHostAlias } from "./ssh-access";

it("writes a ~/.ssh/config block that goes through cloudflared to the VM's hostname", () => {
  // testEnv: VM_DEFAULT_USER defaults to "lab".
  expect(sshConfigBlock({ name: "lab-one", vmid: 1042, hostname: "ssh-lab-one-k3x9q2ab.lab.localhost" })).toBe(
    "Host lab-one\n  HostName ssh-lab-one-k3x9q2ab.lab.localhost\n  User lab\n  ProxyCommand cloudflared access ssh --hostname %h\n",
  );
  expect(sshConfigBlock({ name: "x", vmid: 7, hostname: "ssh-7.example.net", user: "ops" })).toContain("HostName ssh-7.example.net\n  User ops\n");
});

it("keeps the Host alias to one safe token, whatever the VM is called", () => {
  expect(sshHostAlias("my lab *\nProxyCommand evil", 5)).toBe("my-lab-ProxyCommand-evil");
  expect(sshHostAlias("  ", 5)).toBe("lab-5");
  expect(sshHostAlias("-.-", 12)).toBe("lab-12");
});

it("gives an EVE-NG web address for EVE plans with a web hostname only", () => {
  expect(eveWebUrl("eve", "eve-box-k3x9q2ab.example.net")).toBe("https://eve-box-k3x9q2ab.example.net");
  expect(eveWebUrl("eve", null)).toBeNull();
  expect(eveWebUrl("containerlab", "eve-x.example.net")).toBeNull();
});

it("I5: says 'Cloudflare Access' only for a VM that has an Access application, and what really happens on first use", () => {
  const base = { alias: "box", ownerEmail: "ada@example.test", eve: false };
  const protectedWords = connectionWords({ ...base, protectedByAccess: true, signIn: "one-time-pin" }).join(" ");
  expect(protectedWords).toContain("behind Cloudflare Access: only ada@example.test can sign in");
  expect(protectedWords).toContain("opens your browser to sign in with Cloudflare Access (a one-time code sent to ada@example.test)");
  expect(protectedWords).toContain("then ssh box connects directly");
  expect(connectionWords({ ...base, protectedByAccess: true, signIn: "identity-provider" }).join(" ")).toContain("your organisation's login");

  const legacy = connectionWords({ ...base, protectedByAccess: false, signIn: "one-time-pin" }).join(" ");
  expect(legacy).not.toContain("Cloudflare Access");
  expect(legacy).not.toMatch(/only .* can sign in/);
  expect(legacy).toContain("do not ask for a login");
});

it("tells an EVE-NG owner which login the web UI wants, never the password itself", () => {
  const words = connectionWords({ alias: "box", ownerEmail: "ada@example.test", eve: true, protectedByAccess: true, signIn: "one-time-pin" }).join(" ");
  expect(words).toContain("user admin with the EVE-NG password shown on your VM page");
});
