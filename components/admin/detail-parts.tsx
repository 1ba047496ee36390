// The operator's detail pages (a customer, an order's timeline) are made of the same parts: a
// titled section, a table, a list of stamped events. One markup for each, so both pages read alike.
import { tableFrame, th } from "@/components/ui/table-styles";

export function DetailSection({ id, title, children }: { id: string; title: React.ReactNode; children: React.ReactNode }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id} className="text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

/** A table with these column headings; the rows are the children (cells use `td` from table-styles). */
export function DataTable({ columns, children }: { columns: string[]; children: React.ReactNode }) {
  return (
    <div className={tableFrame}>
      <table className="min-w-full divide-y divide-line">
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column} className={th}>
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-line">{children}</tbody>
      </table>
    </div>
  );
}

/** A plain list of events or records, one line each; `empty` says "None." instead. */
export function EventList({ empty, children }: { empty?: boolean; children: React.ReactNode }) {
  return (
    <ul className="mt-2 space-y-1 text-sm">
      {children}
      {empty ? <li className="text-ink-muted">None.</li> : null}
    </ul>
  );
}
