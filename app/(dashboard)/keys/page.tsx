import type { Metadata } from "next";
import { requireUser } from "@/lib/auth/session";
import { listSshKeys } from "@/lib/ssh-keys/list-ssh-keys";
import { AddSshKeyForm } from "@/components/ssh-keys/add-ssh-key-form";
import { SshKeyList } from "@/components/ssh-keys/ssh-key-list";
import { addSshKeyAction, deleteSshKeyAction } from "./actions";

export const metadata: Metadata = { title: "SSH keys" };

export default async function KeysPage() {
  const user = await requireUser("/keys");
  const keys = await listSshKeys(user.id);
  return (
    <div className="mx-auto max-w-content px-gutter py-10">
      <h1 className="text-2xl font-bold tracking-tight">SSH keys</h1>
      <p className="mt-1 max-w-2xl text-sm text-ink-muted">
        Keys you save here can be put on any new VM at checkout. Deleting a key does not remove it from VMs that already have it.
      </p>
      <div className="mt-8 grid gap-10 lg:grid-cols-2">
        <section aria-label="Saved keys">
          <SshKeyList keys={keys} deleteAction={deleteSshKeyAction} />
        </section>
        <section className="rounded-card border border-line bg-surface p-card shadow-card">
          <AddSshKeyForm action={addSshKeyAction} />
        </section>
      </div>
    </div>
  );
}
