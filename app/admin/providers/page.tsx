import Link from "next/link";
import { ProviderCard } from "@/components/providers/provider-card";
import styles from "@/components/providers/providers.module.css";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { listProviderViews } from "@/lib/services/providers";
import { deleteProviderAction, reenableProviderAction, sendTestEmailAction, setProviderEnabledAction } from "./actions";
import { providerCardData } from "./card-data";

const actions = {
  setEnabled: setProviderEnabledAction,
  reenable: reenableProviderAction,
  remove: deleteProviderAction,
  sendTest: sendTestEmailAction,
};

export default async function ProvidersPage() {
  const admin = await requireAdminPage();
  const ctx = serviceContext();
  const views = await listProviderViews(ctx);
  const now = ctx.clock.now();
  return (
    <section className="stack" aria-labelledby="section-title">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1 id="section-title">Providers</h1>
        <Link className="button primary" href="/admin/providers/new">
          Add provider
        </Link>
      </div>
      <p className="muted" style={{ margin: 0 }}>
        Herald sends through the enabled providers in priority order, each within its daily quota, and moves to the
        next when one fails or runs out.
      </p>
      {views.length === 0 ? (
        <div className="card stack">
          <p style={{ margin: 0 }}>No provider yet: invitations cannot go out until you add one.</p>
        </div>
      ) : (
        <ul className={styles.list}>
          {views.map((view) => (
            <li key={view.id}>
              <ProviderCard provider={providerCardData(view, now)} actions={actions} defaultTestTo={admin.email ?? ""} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
