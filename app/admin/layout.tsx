import Link from "next/link";
import { AdminNav } from "@/components/admin/nav";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { RuntimeBanner } from "@/components/settings/runtime-banner";
import { logger } from "@/lib/log/logger";
import { runtimeSettingsForRender } from "@/lib/server/runtime-settings";
import { requireAdminPage } from "@/lib/server/session";
import { formatUtc } from "./settings/format";

async function runtimeSettings(): Promise<Awaited<ReturnType<typeof runtimeSettingsForRender>> | null> {
  try {
    return await runtimeSettingsForRender();
  } catch (error) {
    // The banner is a courtesy on every page: a failed read must not take the whole admin down with it.
    logger.error("admin layout: runtime settings unreadable", { error });
    return null;
  }
}

/**
 * Every admin page passes through requireAdminPage here, and each page, action and route handler checks
 * again on its own: a layout alone does not guard server actions or parallel data requests.
 */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const admin = await requireAdminPage();
  const settings = await runtimeSettings();
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
        <RuntimeBanner
          halted={
            settings?.halted
              ? { since: settings.haltedAt ? formatUtc(settings.haltedAt) : "an unknown time", by: settings.haltedBy, reason: settings.haltedReason ?? null }
              : null
          }
          simulation={settings?.simulation ?? false}
          unknown={settings === null}
        />
        {children}
      </main>
    </div>
  );
}
