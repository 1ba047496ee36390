import { requireAdmin } from "@/lib/auth/session";
import { AdminNav } from "@/components/admin/admin-nav";
import { MailIncidentBanner } from "@/components/admin/mail-incident-banner";

// Every page below checks too; checking here keeps the operator navigation from customers (403).
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  await requireAdmin();
  return (
    <>
      <div className="mx-auto max-w-content px-gutter pt-6">
        <AdminNav />
        <MailIncidentBanner />
      </div>
      {children}
    </>
  );
}
