import Link from "next/link";
import styles from "@/components/templates/templates.module.css";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { listTemplates } from "@/lib/services/templates";

const KIND_LABELS = { invitation: "Invitation", reminder: "Reminder", acceptance: "Acceptance confirmation", decline: "Decline notice" } as const;

export default async function TemplatesPage() {
  await requireAdminPage();
  const templates = await listTemplates(serviceContext());
  return (
    <section className="stack" aria-labelledby="section-title">
      <h1 id="section-title">Templates</h1>
      <p className="muted" style={{ margin: 0 }}>
        The emails Herald sends. Each event picks an invitation template; acceptance confirmations always use the
        “Acceptance confirmation” template, and events that turn the notice on send declines the “Decline notice”.
      </p>
      <ul className={styles.list}>
        {templates.map((t) => (
          <li key={t.id} className="card">
            <Link className={styles.cardLink} href={`/admin/templates/${t.id}`}>
              <h2>{t.data.name}</h2>
              <span className="muted">
                {KIND_LABELS[t.data.kind]}
                {t.data.builtIn ? " · starter" : ""}
              </span>
              <span style={{ overflowWrap: "anywhere" }}>
                <span className="muted">Subject: </span>
                <code>{t.data.subject}</code>
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
