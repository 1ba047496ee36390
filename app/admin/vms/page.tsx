import type { Metadata } from "next";
import { isoDay } from "@/lib/format/date";
import { requireAdmin } from "@/lib/auth/session";
import { listAdminVms } from "@/lib/admin/list-vms";
import { labTypeLabel } from "@/lib/catalog/list-plans";
import { z } from "zod";
import { pageParam, parseSearchParams, type RawSearchParams } from "@/lib/http/search-params";
import { Pagination } from "@/components/ui/pagination";
import { tableFrame, td, th } from "@/components/ui/table-styles";

export const metadata: Metadata = { title: "VMs · Admin" };

const searchSchema = z.object({ page: pageParam });

export default async function AdminVmsPage({ searchParams }: { searchParams: Promise<RawSearchParams> }) {
  await requireAdmin("/admin/vms");
  const query = parseSearchParams(searchSchema, await searchParams);
  const vms = await listAdminVms(query.page);
  return (
    <div className="mx-auto max-w-content space-y-4 px-gutter py-8">
      <h1 className="text-2xl font-bold tracking-tight">
        VMs <span className="text-ink-subtle">({vms.total})</span>
      </h1>
      <div className={tableFrame}>
        <table className="min-w-full divide-y divide-line">
          <thead>
            <tr>
              <th className={th}>Name</th>
              <th className={th}>Node</th>
              <th className={th}>VMID</th>
              <th className={th}>Status</th>
              <th className={th}>Owner</th>
              <th className={th}>Plan</th>
              <th className={th}>Created</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-line">
            {vms.items.map((vm) => (
              <tr key={vm.id} data-testid="admin-vm">
                <td className={td}>{vm.name}</td>
                <td className={`${td} font-mono`}>{vm.nodeName ?? "—"}</td>
                <td className={`${td} font-mono`}>{vm.vmid ?? "—"}</td>
                <td className={td}>{vm.status}</td>
                <td className={td}>{vm.user.email}</td>
                <td className={td}>
                  {vm.plan.name}{" "}
                  <span className="text-ink-subtle">
                    ({labTypeLabel[vm.labType]}, {vm.vcpus}/{vm.ramGb}/{vm.diskGb})
                  </span>
                </td>
                <td className={td}>
                  <time dateTime={vm.createdAt.toISOString()}>{isoDay(vm.createdAt)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {vms.items.length === 0 ? <p className="p-card text-center text-sm text-ink-muted">No VMs yet.</p> : null}
      </div>
      <Pagination label="VM pages" param="page" page={vms.page} pageCount={vms.pageCount} query={query} />
    </div>
  );
}
