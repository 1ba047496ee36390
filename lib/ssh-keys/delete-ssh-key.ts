import { db } from "@/lib/db";

/**
 * Deletes one of the user's keys. False when no key of theirs has that id, which callers answer
 * with a 404 whether it is missing or someone else's (I5). Orders keep their own copy of the key
 * lines, so deleting a key never changes what an order provisions.
 */
export async function deleteSshKey(userId: string, keyId: string): Promise<boolean> {
  const { count } = await db.sshKey.deleteMany({ where: { id: keyId, userId } });
  return count === 1;
}
