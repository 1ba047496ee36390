import Link from "next/link";

/** Previous/next links that keep the other query parameters (each table pages on its own key). */
export function Pagination({
  label,
  param,
  page,
  pageCount,
  query,
}: {
  label: string;
  param: string;
  page: number;
  pageCount: number;
  query: Record<string, string | number | undefined>;
}) {
  if (pageCount <= 1) return null;
  const href = (p: number) => {
    const params = new URLSearchParams(
      Object.entries({ ...query, [param]: p })
        .filter((e) => e[1] !== undefined && e[1] !== "")
        .map(([k, v]) => [k, String(v)]),
    );
    return `?${params}`;
  };
  const link = "rounded-md border border-line px-3 py-1.5 hover:bg-surface-sunken";
  return (
    <nav aria-label={label} className="mt-3 flex items-center justify-between text-sm">
      {page > 1 ? (
        <Link href={href(page - 1)} className={link} rel="prev">
          Previous
        </Link>
      ) : (
        <span />
      )}
      <span className="text-ink-subtle">
        Page {page} of {pageCount}
      </span>
      {page < pageCount ? (
        <Link href={href(page + 1)} className={link} rel="next">
          Next
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}
