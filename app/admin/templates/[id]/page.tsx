import Link from "next/link";
import { notFound } from "next/navigation";
import { TemplateEditor } from "@/components/templates/template-editor";
import type { VariableInfo } from "@/components/templates/types";
import { sampleData } from "@/lib/domain/templates/sample-data";
import { TEMPLATE_VARIABLES } from "@/lib/domain/templates/variables";
import { serviceContext } from "@/lib/server/services";
import { requireAdminPage } from "@/lib/server/session";
import { getTemplate } from "@/lib/services/template-admin";
import { checkTemplate } from "@/lib/services/templates";
import { previewTemplateAction, saveTemplateAction } from "../actions";

function sampleValue(path: string): string | null {
  let value: unknown = sampleData();
  for (const segment of path.split(".")) {
    value = value !== null && typeof value === "object" ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return typeof value === "string" && value !== "" ? value : null;
}

export default async function EditTemplatePage({ params }: { params: Promise<{ id: string }> }) {
  await requireAdminPage();
  const { id } = await params;
  if (!/^[\w-]{1,100}$/.test(id)) notFound();
  const template = await getTemplate(serviceContext(), id);
  if (!template) notFound();

  const sample = sampleData();
  const [sampleColumn = "company"] = Object.keys(sample.invitee.fields);
  const variables: VariableInfo[] = [
    ...TEMPLATE_VARIABLES.map((name) => ({ name, sample: sampleValue(name) })),
    { name: `invitee.fields.${sampleColumn}`, sample: sample.invitee.fields[sampleColumn] ?? null },
  ];
  const draft = {
    name: template.data.name,
    subject: template.data.subject,
    html: template.data.html,
    text: template.data.text ?? "",
  };

  return (
    <section className="stack" aria-labelledby="section-title">
      <p style={{ margin: 0 }}>
        <Link href="/admin/templates">← Templates</Link>
      </p>
      <h1 id="section-title">Edit {template.data.name}</h1>
      <TemplateEditor
        templateId={template.id}
        initial={draft}
        initialCheck={checkTemplate(draft)}
        variables={variables}
        sampleColumn={sampleColumn}
        sampleGuest={sample.invitee.name}
        preview={previewTemplateAction}
        save={saveTemplateAction}
      />
    </section>
  );
}
