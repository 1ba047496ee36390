// `?page=` parameters are parsed by pageParam in lib/http/search-params.ts.
export type Page<T> = { items: T[]; page: number; pageCount: number; total: number };

export function pageWindow(page: number, pageSize: number) {
  return { skip: (page - 1) * pageSize, take: pageSize };
}

export function toPage<T>(items: T[], total: number, page: number, pageSize: number): Page<T> {
  return { items, total, page, pageCount: Math.max(1, Math.ceil(total / pageSize)) };
}
