import { describe, expect, it } from "vitest";
import { customerEmails, renderCustomerEmail } from "./customer";

const all = () => [
  customerEmails.welcome("Ada"),
  customerEmails.verifyEmail("Ada", "ada@example.com", "tok_123456789012345678901234567890"),
  customerEmails.passwordReset("Ada", "tok_123456789012345678901234567890"),
  customerEmails.passwordChanged("Ada", new Date("2026-12-01T10:00:00Z")),
  customerEmails.newDeviceSignIn("Ada", "Firefox on Linux", new Date("2026-12-01T10:00:00Z")),
  customerEmails.emailChangeConfirm("Ada", "new@example.com", "tok_123456789012345678901234567890"),
  customerEmails.emailChangeRequested("Ada", "new@example.com"),
  customerEmails.emailChanged("Ada", "new@example.com"),
  customerEmails.paymentReceipt("Ada", {
    planName: "Containerlab Starter",
    amount: "$29.00",
    invoiceUrl: "https://invoice.stripe.com/i/acct/inv",
    orderId: "o1",
  }),
  customerEmails.buildFailed("Ada", { planName: "Containerlab Starter", orderId: "o1" }),
  customerEmails.refundIssued("Ada", { amount: "$29.00", what: "your Containerlab Starter order" }),
  customerEmails.resized("Ada", { vmName: "lab-1", summary: "4 vCPUs, 8 GB of RAM and 60 GB of disk", price: "$49.00", vmId: "vm1" }),
];

describe("customer emails", () => {
  it("each has a subject, a plain-text part and an HTML part whose every link is absolute and clickable", () => {
    for (const email of all()) {
      expect(email.subject.length).toBeGreaterThan(5);
      expect(email.text).toMatch(/^Hi Ada,/);
      const hrefs = [...email.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]);
      expect(hrefs.length, email.subject).toBeGreaterThan(0);
      for (const href of hrefs) expect(href).toMatch(/^https?:\/\//);
      // Every link of the text part is a link in the HTML part too.
      for (const url of email.text.match(/https?:\/\/\S+/g) ?? []) expect(hrefs).toContain(url.replace(/&/g, "&amp;"));
    }
  });

  it("the resize email links to the VM page with an absolute, clickable link (it was plain text before)", () => {
    const { html } = customerEmails.resized("Ada", { vmName: "lab-1", summary: "x", price: "$1", vmId: "vm1" });
    expect(html).toMatch(/<a href="http:\/\/localhost:3000\/vms\/vm1"/);
  });

  it("refuses a relative link and escapes what the customer typed", () => {
    expect(() => renderCustomerEmail({ subject: "s", name: "n", lines: [], action: { label: "x", url: "/relative" } })).toThrow(/absolute/);
    expect(customerEmails.welcome("<b>Ada</b>").html).toContain("&lt;b&gt;Ada&lt;/b&gt;");
  });

  it("I4/I9: no hypervisor detail, and a one-time token only in the email that delivers it", () => {
    for (const email of all()) expect(`${email.text}${email.html}`).not.toMatch(/proxmox|pve|8006|node /i);
    const leaking = all()
      .filter((e) => e.text.includes("tok_123456789012345678901234567890"))
      .map((e) => e.subject);
    expect(leaking).toEqual(["Confirm your email address for Lab VPS", "Reset your Lab VPS password", "Confirm your new email address for Lab VPS"]);
  });
});
