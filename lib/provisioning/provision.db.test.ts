// The provisioning function end to end through @inngest/test against the Proxmox, Cloudflare and
// mail stand-ins, then each step run again to prove it does nothing twice (I3).
import { InngestTestEngine } from "@inngest/test";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { provisionVmFunction } from "@/inngest/functions/provision-vm";
import { db } from "@/lib/db";
import { env } from "@/lib/env";
import { openSecret } from "@/lib/crypto/secret-box";
import { chooseNode } from "./choose-node";
import { cloneTemplate, waitForClone } from "./clone-template";
import { configureVm, growDisk } from "./configure-vm";
import { createTunnelAndDns } from "./create-tunnel-and-dns";
import { protectHostnames } from "./protect-hostnames";
import { reserveVmid } from "./reserve-vmid";
import { sendReadyEmail } from "./send-ready-email";
import { startProvisioning } from "./start-provisioning";
import { markReady, startVm } from "./start-vm";
import { checkNestedVirt, waitForCloudInit, waitForGuestAgent, waitForTunnel } from "./readiness";
import { tunnelToken } from "./tunnel-dns";
import { writeCloudInit } from "./write-cloud-init";
import { prepareNetwork } from "@/lib/network/allocate-network";
import { attachNetwork } from "@/lib/network/attach-nic";
import { buildNetwork, checkFirewall, configureFirewall } from "@/lib/network/provision-steps";
import { cloudflareSim, createPaidOrder, mailSim, proxmox, retireProvisioningFixtures, snippetNameOf, tunnelNameOf } from "@/test/fixtures/provisioning";

afterEach(async () => {
  await proxmox.clearFaults();
  await cloudflareSim.clearFaults();
});
afterAll(retireProvisioningFixtures);

const paidEvent = (orderId: string, attempt = 1) => ({ name: "order/paid" as const, data: { orderId, attempt } });
// One engine per execution: @inngest/test 1.0.0 shares executed steps between runs of one engine.
const execute = (orderId: string, attempt = 1) => new InngestTestEngine({ function: provisionVmFunction, events: [paidEvent(orderId, attempt)] }).execute();

describe("provision vm (Inngest function, stand-ins)", () => {
  it("I1–I4, I9: a paid order becomes a running VM with the plan's resources, tunnel, DNS, snippet and one ready email", async () => {
    const { order, user } = await createPaidOrder({ labType: "eve" });
    const { result, error } = await execute(order.id);
    expect(error).toBeUndefined();
    const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
    expect(result).toEqual({ vmId: vm.id, vmid: vm.vmid });

    const after = await db.order.findUniqueOrThrow({ where: { id: order.id } });
    expect(after).toMatchObject({ status: "provisioned", progressStep: null, provisionAttempts: 1, failureReason: null });
    // Hostnames from the chosen name plus a random suffix, never from the VMID.
    expect(vm.hostLabel).toMatch(new RegExp(`^${order.hostname}-[a-z0-9]{8}$`));
    expect(vm).toMatchObject({
      status: "running",
      nodeName: "pve1",
      name: order.hostname,
      sshHostname: `ssh-${vm.hostLabel}.${env().BASE_DOMAIN}`,
      webHostname: `eve-${vm.hostLabel}.${env().BASE_DOMAIN}`,
    });
    expect(vm.sshHostname).not.toContain(String(vm.vmid));
    expect(vm.readyAt).toBeInstanceOf(Date);
    expect(vm.vmid).toBeGreaterThanOrEqual(env().VM_ID_MIN);

    // Proxmox holds the VM with the plan's cores, memory (MiB) and disk, running, cloud-init wired.
    const simVm = (await proxmox.vm(vm.vmid!))!;
    expect(simVm).toMatchObject({ status: "running", lock: null, name: order.hostname });
    expect(simVm.config).toMatchObject({ cores: 1, memory: 1024, cicustom: `user=local:snippets/${snippetNameOf(vm.id)}` });
    // Issue 26: on the customer's own VNet, firewalled, with its static address from that subnet.
    const network = await db.customerNetwork.findUniqueOrThrow({ where: { userId: user.id } });
    expect(network).toMatchObject({ status: "ready", vnet: `lv${network.slot}`, gateway: network.subnet.replace(/\.0\/24$/, ".1") });
    expect(simVm.config.net0).toBe(`virtio=${vm.macAddress},bridge=${network.vnet},firewall=1`);
    expect(simVm.config.ipconfig0).toBe(`ip=${vm.ipAddress}/24,gw=${network.gateway}`);
    expect(vm.ipAddress!.startsWith(network.subnet.replace(/0\/24$/, ""))).toBe(true);
    // `cicustom user=` replaces Proxmox's generated user-data: user, password and keys live in the snippet only.
    for (const key of ["ciuser", "cipassword", "sshkeys"]) expect(simVm.config).not.toHaveProperty(key);
    expect(simVm.bootedWith).toMatchObject({ node: "pve1", cicustom: `local:snippets/${snippetNameOf(vm.id)}` });
    expect(String(simVm.config.scsi0)).toContain("size=40G");
    expect(String(simVm.config.description)).toBe(`labvps order ${order.id}`);

    // I9: the password is stored sealed, and only its crypt hash reaches the snippet.
    const password = openSecret(vm.passwordCiphertext!, env().VM_SECRET_KEY);
    expect(vm.passwordCiphertext).not.toContain(password);
    const snippet = (await proxmox.snippets()).find((s) => s.name === snippetNameOf(vm.id))!;
    const token = await tunnelToken(vm.tunnelId!);
    expect(snippet.content).toContain(order.sshPublicKeys[0]!.split(" ").slice(0, 2).join(" "));
    expect(snippet.content).toContain(`"${token}"`);
    expect(snippet.content).toContain(`hostname: "${order.hostname}"`);
    expect(snippet.content).not.toContain(password);
    expect(JSON.stringify(vm)).not.toContain(token); // the tunnel token is never stored

    // Cloudflare: one live tunnel with both hostnames + catch-all, one proxied CNAME per hostname.
    const { tunnels, dns_records } = await cloudflareSim.state();
    const tunnel = tunnels.filter((t) => t.name === tunnelNameOf(vm.id) && !t.deleted_at);
    expect(tunnel).toHaveLength(1);
    expect(tunnel[0]!.id).toBe(vm.tunnelId);
    // I5: cloudflared itself demands this VM's Access token on every hostname.
    const app = (await cloudflareSim.state()).access_apps.find((a) => a.id === vm.accessAppId)!;
    const access = { required: true, teamName: env().CLOUDFLARE_ACCESS_TEAM, audTag: [app.aud] };
    expect(tunnel[0]!.configuration?.config?.ingress).toEqual([
      { hostname: vm.sshHostname, service: "ssh://localhost:22", originRequest: { access } },
      { hostname: vm.webHostname, service: "http://localhost:80", originRequest: { access } },
      { service: "http_status:404" },
    ]);
    // I5: one Access application for exactly the VM's hostnames, one policy for exactly its owner.
    expect(app).toMatchObject({
      name: tunnelNameOf(vm.id),
      type: "self_hosted",
      destinations: [
        { type: "public", uri: vm.sshHostname },
        { type: "public", uri: vm.webHostname },
      ],
    });
    expect(app.policies).toEqual([
      expect.objectContaining({ id: vm.accessPolicyId, decision: "allow", include: [{ email: { email: user.email } }], exclude: [], require: [] }),
    ]);
    // I9: the EVE-NG web admin password is this VM's own, sealed at rest, and replaces the default at first boot.
    const evePassword = openSecret(vm.eveAdminPasswordCiphertext!, env().VM_SECRET_KEY);
    expect(evePassword).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(vm.eveAdminPasswordCiphertext).not.toContain(evePassword);
    expect(snippet.content).toContain("http://127.0.0.1/api/users/admin");
    for (const [name, id] of [
      [vm.sshHostname, vm.sshDnsRecordId],
      [vm.webHostname, vm.webDnsRecordId],
    ]) {
      expect(dns_records.filter((r) => r.name === name)).toEqual([
        expect.objectContaining({ id, type: "CNAME", content: `${vm.tunnelId}.cfargotunnel.com`, proxied: true }),
      ]);
    }

    // Exactly one ready email, with how to connect and nothing about the hypervisor (I4).
    const mails = await mailSim.messages(user.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe(`Your lab VM ${order.hostname} is ready`);
    expect(mails[0]!.text).toContain(`HostName ${vm.sshHostname}`);
    expect(mails[0]!.text).toContain("ProxyCommand cloudflared access ssh --hostname %h");
    expect(mails[0]!.text).toContain(`${env().APP_URL}/vms/${vm.id}`);
    for (const body of [mails[0]!.text!, mails[0]!.html!]) {
      expect(body).not.toContain("pve1");
      expect(body).not.toContain(env().PROXMOX_API_URL);
      expect(body).not.toContain(password);
    }
    const outbox = await db.emailOutbox.findUniqueOrThrow({ where: { key: `vm-ready:${vm.id}` } });
    expect(outbox).toMatchObject({ status: "sent", providerId: mails[0]!.id, to: user.email });
    const audit = await db.auditEvent.findMany({ where: { subjectId: order.id }, orderBy: { createdAt: "asc" } });
    expect(audit.map((a) => a.action)).toEqual(["order.provisioning_started", "order.provisioned"]);
  });

  it("I3: every step run again after success sends no write to Proxmox or Cloudflare, and no second email", async () => {
    const { order, user } = await createPaidOrder({ labType: "eve" });
    expect((await execute(order.id)).error).toBeUndefined();
    const vm = await db.vm.findUniqueOrThrow({ where: { orderId: order.id } });
    const reruns: [string, () => Promise<unknown>][] = [
      ["reserve vmid", () => reserveVmid(order.id)],
      ["choose node", () => chooseNode(order.id)],
      ["clone template", () => cloneTemplate(order.id)],
      ["wait for clone", () => waitForClone(order.id, null)],
      ["configure vm", () => configureVm(order.id)],
      ["grow disk", () => growDisk(order.id)],
      ["prepare network", () => prepareNetwork(order.id)],
      ["build network", () => buildNetwork(order.id)],
      ["attach network", () => attachNetwork(order.id)],
      ["configure firewall", () => configureFirewall(order.id)],
      ["protect hostnames with access", () => protectHostnames(order.id)],
      ["create tunnel and dns", () => createTunnelAndDns(order.id)],
      ["write cloud-init", () => writeCloudInit(order.id)],
      ["start vm", () => startVm(order.id)],
      ["check firewall", () => checkFirewall(order.id)],
      ["mark ready", () => markReady(order.id)],
      ["send ready email", () => sendReadyEmail(order.id)],
    ];
    for (const [name, rerun] of reruns) {
      const mark = await proxmox.mark();
      await cloudflareSim.clearRequests();
      await rerun();
      const proxmoxWrites = (await proxmox.requests(mark)).filter((r) => r.kind !== "api" || r.method !== "GET");
      const cloudflareWrites = (await cloudflareSim.requests()).filter((r) => r.method !== "GET");
      expect({ step: name, proxmoxWrites, cloudflareWrites }).toEqual({ step: name, proxmoxWrites: [], cloudflareWrites: [] });
    }
    expect(await startProvisioning(order.id, 1)).toEqual({ proceed: false, reason: "order is provisioned at attempt 1; this is attempt 1" });

    // The whole function again (a replayed order/paid, or a stale attempt): nothing at all.
    const mark = await proxmox.mark();
    for (const attempt of [1, 2]) expect((await execute(order.id, attempt)).result).toEqual({ skipped: expect.stringContaining("provisioned") });
    expect(await proxmox.requests(mark)).toEqual([]);

    const { tunnels, dns_records } = await cloudflareSim.state();
    expect(tunnels.filter((t) => t.name === tunnelNameOf(vm.id) && !t.deleted_at)).toHaveLength(1);
    expect(dns_records.filter((r) => r.name.endsWith(`-${vm.hostLabel}.${env().BASE_DOMAIN}`))).toHaveLength(2);
    expect((await proxmox.snippets()).filter((s) => s.name === snippetNameOf(vm.id))).toHaveLength(1);
    expect(await mailSim.messages(user.email)).toHaveLength(1);
    // Only the firewall's last check moves (a re-check is a check).
    const omitCheck = ({ firewallCheckedAt: _c, updatedAt: _u, ...rest }: typeof vm) => rest;
    expect(omitCheck(await db.vm.findUniqueOrThrow({ where: { id: vm.id } }))).toEqual(omitCheck(vm));
  });

  it("the step functions called in order reach the same end state (per-step timings printed)", async () => {
    const { order, user } = await createPaidOrder();
    const timings: Record<string, number> = {};
    const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      try {
        return await work();
      } finally {
        timings[name] = Math.round(performance.now() - started);
      }
    };
    expect((await timed("start provisioning", () => startProvisioning(order.id, 1))).proceed).toBe(true);
    const vmid = await timed("reserve vmid", () => reserveVmid(order.id));
    expect(await timed("choose node", () => chooseNode(order.id))).toEqual({ nodeName: "pve1", templateVmid: 9001 });
    const { upid } = await timed("clone template", () => cloneTemplate(order.id));
    expect(await timed("wait for clone", () => waitForClone(order.id, upid))).toEqual({ done: true });
    expect(await timed("configure vm", () => configureVm(order.id))).toEqual({ changed: ["cores", "memory"] }); // the clone already has its name;
    expect(await timed("grow disk", () => growDisk(order.id))).toEqual({ fromGb: 32, toGb: 40 });
    expect(await timed("prepare network", () => prepareNetwork(order.id))).toMatchObject({ mode: "sdn", vnet: expect.stringMatching(/^lv\d+$/) });
    expect((await timed("build network", () => buildNetwork(order.id))).created).toEqual([
      expect.stringMatching(/^vnet lv/),
      expect.stringMatching(/^subnet 10\.240\./),
    ]);
    expect(await timed("attach network", () => attachNetwork(order.id))).toEqual({ changed: ["net0", "ipconfig0", "nameserver"] });
    expect((await timed("configure firewall", () => configureFirewall(order.id))).changed.length).toBeGreaterThan(0);
    const { hostnames } = await timed("protect hostnames with access", () => protectHostnames(order.id));
    expect(hostnames).toEqual([expect.stringMatching(new RegExp(`^ssh-${order.hostname}-[a-z0-9]{8}\\.${env().BASE_DOMAIN}$`))]);
    expect((await timed("create tunnel and dns", () => createTunnelAndDns(order.id))).hostnames).toEqual(hostnames);
    expect((await timed("write cloud-init", () => writeCloudInit(order.id))).written).toBe(true);
    expect(await timed("start vm", () => startVm(order.id))).toMatchObject({ started: true });
    expect(await timed("check firewall", () => checkFirewall(order.id))).toEqual({ fixed: [] });
    // Ready means reachable: the guest agent, cloud-init, vmx, the tunnel's connector (issue 20).
    expect(await timed("wait for guest agent", () => waitForGuestAgent(order.id, 5_000))).toEqual({ ready: true });
    expect(await timed("wait for cloud-init", () => waitForCloudInit(order.id, 5_000))).toEqual({ ready: true });
    expect(await timed("check nested virtualization", () => checkNestedVirt(order.id))).toEqual({ nested: true });
    expect(await timed("wait for tunnel", () => waitForTunnel(order.id, 5_000))).toEqual({ ready: true });
    expect((await timed("mark ready", () => markReady(order.id))).moved).toBe(true);
    expect((await timed("send ready email", () => sendReadyEmail(order.id))).alreadySent).toBe(false);
    console.info(`step timings (ms): ${JSON.stringify(timings)}`);
    expect((await proxmox.vm(vmid))?.status).toBe("running");
    expect((await db.vm.findUniqueOrThrow({ where: { orderId: order.id } })).webHostname).toBeNull(); // containerlab: SSH only
    expect(await mailSim.messages(user.email)).toHaveLength(1);
  });

  it("I8: Proxmox config-lock errors are retried with backoff inside the step", async () => {
    const { order } = await createPaidOrder();
    await proxmox.fault({ method: "PUT", path: "/qemu/\\d+/config$", kind: "configLock", times: 2 });
    const mark = await proxmox.mark();
    const { error } = await execute(order.id);
    expect(error).toBeUndefined();
    const puts = (await proxmox.requests(mark)).filter((r) => r.method === "PUT" && /\/config$/.test(r.path));
    expect(puts.map((r) => r.status)).toEqual([500, 500, 200, 200, 200]); // configure vm (twice refused), attach network, then cicustom
    expect(puts.some((r) => "cipassword" in r.params)).toBe(false);
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("provisioned");
  });

  it("I10: a shell-injection attempt in the hostname is refused before any Proxmox call or SSH command", async () => {
    const { order } = await createPaidOrder({ hostname: "lab;reboot" });
    const mark = await proxmox.mark();
    const { error } = await execute(order.id);
    expect((error as Error).message).toMatch(/^start provisioning: order hostname is not a DNS label/);
    expect((error as Error).name).toBe("NonRetriableError");
    expect(await proxmox.requests(mark)).toEqual([]);
    expect((await db.order.findUniqueOrThrow({ where: { id: order.id } })).status).toBe("paid");
  });

  it("I10: a key tampered with after checkout is refused at cloud-init, before any SSH command", async () => {
    const { order } = await createPaidOrder();
    expect((await startProvisioning(order.id, 1)).proceed).toBe(true);
    for (const step of [reserveVmid, chooseNode]) await step(order.id);
    const { upid } = await cloneTemplate(order.id);
    expect(await waitForClone(order.id, upid)).toEqual({ done: true });
    await protectHostnames(order.id);
    await createTunnelAndDns(order.id);
    await db.order.update({ where: { id: order.id }, data: { sshPublicKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5 $(reboot)", "x; rm -rf /"] } });
    const mark = await proxmox.mark();
    await expect(writeCloudInit(order.id)).rejects.toThrow(/cloud-init sshPublicKeys refused/);
    expect((await proxmox.requests(mark)).filter((r) => r.kind === "ssh" || r.kind === "sftp")).toEqual([]);
  });
});
