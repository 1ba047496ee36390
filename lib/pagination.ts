import { z } from "zod";

/** `?page=` from a URL: a positive integer, anything else is page 1. */
export const pageSchema = z.coerce.number().int().min(1).max(100_000).catch(1);

export type Page<T> = { items: T[]; page: number; pageCount: number; total: number };

export function pageWindow(page: number, pageSize: number) {
  return { skip: (page - 1) * pageSize, take: pageSize };
}

export function toPage<T>(items: T[], total: number, page: number, pageSize: number): Page<T> {
  return { items, total, page, pageCount: Math.max(1, Math.ceil(total / pageSize)) };
}
