import { expect, it } from "vitest";
import { db } from "@/lib/db";
import { listUsers } from "./list-users";

it("pages users newest first in SQL, with a page count", async () => {
  const stamp = Date.now();
  for (let i = 0; i < 7; i++) {
    await db.user.create({ data: { name: `Pager ${i}`, email: `pager.${stamp}.${i}@example.com`, passwordHash: "x", createdAt: new Date(stamp + i * 1000) } });
  }
  const total = await db.user.count();
  const first = await listUsers(1, 3);
  expect(first.items).toHaveLength(3);
  expect(first.total).toBe(total);
  expect(first.pageCount).toBe(Math.ceil(total / 3));
  expect(first.items.map((u) => u.email)).toEqual([6, 5, 4].map((i) => `pager.${stamp}.${i}@example.com`));
  expect(first.items[0]).not.toHaveProperty("passwordHash");
  const second = await listUsers(2, 3);
  expect(second.items.map((u) => u.email)).toEqual([3, 2, 1].map((i) => `pager.${stamp}.${i}@example.com`));
});
