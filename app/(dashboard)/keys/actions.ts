"use server";
import { z } from "zod";
import { notFound } from "next/navigation";
import { revalidatePath } from "next/cache";
import { validatedActionWithUser } from "@/lib/actions/validated-action";
import { addSshKey, addSshKeySchema } from "@/lib/ssh-keys/add-ssh-key";
import { deleteSshKey } from "@/lib/ssh-keys/delete-ssh-key";

export const addSshKeyAction = validatedActionWithUser(addSshKeySchema, async (data, { user }) => {
  await addSshKey(user.id, data);
  revalidatePath("/keys");
  return { status: "success", message: `Saved “${data.name}”.` };
});

export const deleteSshKeyAction = validatedActionWithUser(z.object({ id: z.string().min(1) }), async ({ id }, { user }) => {
  // Missing and someone else's look the same (I5).
  if (!(await deleteSshKey(user.id, id))) notFound();
  revalidatePath("/keys");
  return { status: "success", message: "Key deleted." };
});
