"use server";
import { revalidatePath } from "next/cache";
import { validatedAdminAction } from "@/lib/actions/validated-action";
import { createNode, createNodeSchema } from "@/lib/nodes/create-node";
import { nodeAccessSchema, updateNodeAccess } from "@/lib/nodes/update-node-access";
import { nodeLabSchema, updateNodeLab } from "@/lib/nodes/update-node-lab";
import { networkSettingsSchema, saveNetworkSettings } from "@/lib/network/settings";

export const updateNodeAccessAction = validatedAdminAction(nodeAccessSchema, async (input, { user }) => {
  const node = await updateNodeAccess(input, user.id);
  revalidatePath("/admin/nodes");
  return { status: "success", message: `Saved SSH and snippet settings for ${node.name}.` };
});

export const createNodeAction = validatedAdminAction(createNodeSchema, async (input, { user }) => {
  const node = await createNode(input, user.id);
  revalidatePath("/admin/nodes");
  return { status: "success", message: `Added node ${node.name}.` };
});

export const updateNodeLabAction = validatedAdminAction(nodeLabSchema, async (input, { user }) => {
  const node = await updateNodeLab(input, user.id);
  revalidatePath("/admin/nodes");
  return { status: "success", message: `Saved lab settings for ${node.name}.` };
});

export const saveNetworkSettingsAction = validatedAdminAction(networkSettingsSchema, async (input, { user }) => {
  await saveNetworkSettings(input, user.id);
  revalidatePath("/admin/nodes");
  return { status: "success", message: "Saved the network settings. New VMs use them; run npm run doctor to check Proxmox agrees." };
});
