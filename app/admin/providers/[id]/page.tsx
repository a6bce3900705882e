import Link from "next/link";
import { notFound } from "next/navigation";
import { ProviderForm } from "@/components/providers/provider-form";
import { providerEndpoint, providerFormFieldsFrom } from "@/lib/domain/providers/form";
import { serviceContext } from "@/lib/server/services";
import { getContainer } from "@/lib/server/container";
import { requireAdminPage } from "@/lib/server/session";
import { getProviderView } from "@/lib/services/providers";
import { saveProviderAction } from "../actions";
import { timeZoneSuggestions } from "../time-zones";

export default async function EditProviderPage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdminPage();
  const { id } = await params;
  if (!/^[\w-]{1,100}$/.test(id)) notFound();
  const view = await getProviderView(serviceContext(), id);
  if (!view) notFound();
  return (
    <section className="stack" aria-labelledby="section-title">
      <p style={{ margin: 0 }}>
        <Link href="/admin/providers">← Providers</Link>
      </p>
      <h1 id="section-title">Edit {view.name}</h1>
      <ProviderForm
        providerId={view.id}
        // The stored secret is never part of the form: only whether one exists, for which kind and endpoint.
        initial={providerFormFieldsFrom(view)}
        storedSecret={view.hasSecret ? { kind: view.kind, endpoint: providerEndpoint(view.kind, view.connection) } : null}
        storedWebhookKey={view.hasWebhookKey ? view.kind : null}
        baseUrl={getContainer().env.HERALD_BASE_URL}
        timeZones={timeZoneSuggestions()}
        save={saveProviderAction}
      />
    </section>
  );
}
