import Link from "next/link";
import { AdminNav } from "@/components/admin/nav";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { requireAdminPage } from "@/lib/server/session";

/**
 * Every admin page passes through requireAdminPage here, and each page, action and route handler checks
 * again on its own: a layout alone does not guard server actions or parallel data requests.
 */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const admin = await requireAdminPage();
  return (
    <div className="admin-shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="admin-header">
        <Link href="/admin" className="brand">
          Herald
        </Link>
        <div className="admin-user">
          <span className="muted" data-testid="admin-email">
            {admin.email}
          </span>
          <SignOutButton />
        </div>
      </header>
      <AdminNav />
      <main id="main" className="admin-main">
        {children}
      </main>
    </div>
  );
}
