import Link from "next/link";
import { ProviderForm } from "@/components/providers/provider-form";
import { emptyProviderFields } from "@/lib/domain/providers/form";
import { getContainer } from "@/lib/server/container";
import { requireAdminPage } from "@/lib/server/session";
import { saveProviderAction } from "../actions";
import { timeZoneSuggestions } from "../time-zones";

export default async function NewProviderPage() {
  await requireAdminPage();
  return (
    <section className="stack" aria-labelledby="section-title">
      <p style={{ margin: 0 }}>
        <Link href="/admin/providers">← Providers</Link>
      </p>
      <h1 id="section-title">Add a provider</h1>
      <ProviderForm
        providerId={null}
        initial={emptyProviderFields()}
        storedSecret={null}
        storedWebhookKey={null}
        baseUrl={getContainer().env.HERALD_BASE_URL}
        timeZones={timeZoneSuggestions()}
        save={saveProviderAction}
      />
    </section>
  );
}
