import { requireAdminPage } from "@/lib/server/session";

export default async function ProvidersPage() {
  await requireAdminPage();
  return (
    <section className="stack" aria-labelledby="section-title">
      <h1 id="section-title">Providers</h1>
      <p className="muted">Nothing here yet.</p>
    </section>
  );
}
