import type { Metadata } from "next";
import { SuppressionList } from "@/components/suppressions/suppression-list";
import { SUPPRESSION_KIND_LABELS, SUPPRESSION_SOURCE_LABELS } from "@/lib/domain/suppression";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { listSuppressionRemovals, listSuppressions } from "@/lib/services/suppression";
import { removeSuppressionAction } from "./actions";

export const metadata: Metadata = { title: "Suppressions · Herald" };

export default async function SuppressionsPage({ searchParams }: { searchParams: Promise<{ q?: string | string[] }> }) {
  await requireAdminPage();
  const q = (await searchParams).q;
  const search = (typeof q === "string" ? q : "").trim().slice(0, 254);
  const ctx = serviceContext();
  const [listing, removals] = await Promise.all([listSuppressions(ctx, search), listSuppressionRemovals(ctx)]);
  return (
    <section className="stack" aria-labelledby="section-title">
      <h1 id="section-title">Suppressions</h1>
      <p className="muted">
        Addresses Herald no longer mails: a provider reported a hard bounce or a spam complaint, or the receiving
        server refused the address when Herald sent to it. Providers suspend senders who keep mailing such addresses.
        Inviting one again takes removing it here first.
      </p>
      <SuppressionList
        entries={listing.entries.map((e) => ({
          email: e.email,
          emailKey: e.emailKey,
          kind: SUPPRESSION_KIND_LABELS[e.kind],
          source: SUPPRESSION_SOURCE_LABELS[e.source],
          detail: e.detail,
          at: e.at.getTime(),
        }))}
        matching={listing.matching}
        total={listing.total}
        search={search}
        removals={removals.map((r) => ({
          email: r.entry.email,
          kind: SUPPRESSION_KIND_LABELS[r.entry.kind],
          removedBy: r.removedBy,
          removedAt: r.removedAt.getTime(),
        }))}
        remove={removeSuppressionAction}
      />
    </section>
  );
}
