import type { EmailTemplate } from "./render";

/**
 * The templates a new event starts with. Email HTML is its own dialect: layout tables with
 * role="presentation" (screen readers skip them), inline styles (many clients drop <style>), a 600 px
 * column that shrinks on phones, system fonts, 4.5:1+ contrast, real text instead of images, and a
 * plain-text part written for people rather than derived.
 */
export interface StarterTemplate extends EmailTemplate {
  id: "invitation" | "reminder" | "acceptance" | "decline";
  name: string;
  description: string;
  text: string;
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const BRAND = "#1d4ed8";
const INK = "#18181b";
const MUTED = "#52525b";

function layout(preheader: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light">
<title>{{event.title}}</title>
</head>
<body style="margin:0;padding:0;background-color:#f4f4f5;">
<div style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${preheader}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f4f5;">
<tr>
<td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background-color:#ffffff;border-radius:8px;">
<tr>
<td style="padding:32px 28px;font-family:${FONT};font-size:16px;line-height:1.5;color:${INK};">
${body}
</td>
</tr>
</table>
<p style="margin:16px 0 0;max-width:600px;font-family:${FONT};font-size:12px;line-height:1.5;color:${MUTED};">Sent by {{host.name}} (<a href="mailto:{{host.email}}" style="color:${MUTED};">{{host.email}}</a>). You received this email because you were invited to {{event.title}}.</p>
</td>
</tr>
</table>
</body>
</html>
`;
}

const EVENT_DETAILS = `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="margin:20px 0;background-color:#f4f4f5;border-radius:6px;">
<tr>
<td style="padding:16px 18px;font-family:${FONT};font-size:15px;line-height:1.6;color:${INK};">
<p style="margin:0;"><strong>When:</strong> {{event.startsAt}}{{#if event.endsAt}} – {{event.endsAt}}{{/if}}</p>
{{#if event.location}}<p style="margin:0;"><strong>Where:</strong> {{event.location}}</p>{{/if}}
{{#if event.onlineUrl}}<p style="margin:0;"><strong>Online:</strong> <a href="{{event.onlineUrl}}" style="color:${BRAND};">{{event.onlineUrl}}</a></p>{{/if}}
</td>
</tr>
</table>`;

const DESCRIPTION = `{{#if event.description}}<p style="margin:0 0 16px;white-space:pre-line;">{{event.description}}</p>{{/if}}`;

const ANSWER_BUTTONS = `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:24px 0 8px;">
<tr>
<td style="border-radius:6px;background-color:${BRAND};"><a href="{{links.accept}}" style="display:inline-block;padding:12px 24px;font-family:${FONT};font-size:16px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px;">Accept</a></td>
<td style="width:12px;">&nbsp;</td>
<td style="border-radius:6px;border:1px solid #a1a1aa;"><a href="{{links.decline}}" style="display:inline-block;padding:11px 23px;font-family:${FONT};font-size:16px;font-weight:600;color:${INK};text-decoration:none;border-radius:6px;">Decline</a></td>
</tr>
</table>`;

const FALLBACK_LINK = `<p style="margin:16px 0 0;font-size:13px;line-height:1.5;color:${MUTED};">If the buttons do not work, open your invitation here: <a href="{{links.invitation}}" style="color:${BRAND};word-break:break-all;">{{links.invitation}}</a></p>`;

const TEXT_DETAILS = `When: {{event.startsAt}}{{#if event.endsAt}} – {{event.endsAt}}{{/if}}
{{#if event.location}}
Where: {{event.location}}
{{/if}}
{{#if event.onlineUrl}}
Online: {{event.onlineUrl}}
{{/if}}`;

const TEXT_FOOTER = `--
Sent by {{host.name}} <{{host.email}}>. You received this email because you were invited to {{event.title}}.`;

export const invitationStarter: StarterTemplate = {
  id: "invitation",
  name: "Invitation",
  description: "The first email a guest receives, with Accept and Decline buttons.",
  subject: "You're invited: {{event.title}}",
  html: layout(
    "{{host.name}} invites you to {{event.title}} on {{event.startsAt}}.",
    `<h1 style="margin:0 0 16px;font-size:24px;line-height:1.3;color:${INK};">You're invited to {{event.title}}</h1>
<p style="margin:0 0 16px;">Hello {{invitee.name}},</p>
<p style="margin:0 0 16px;">{{host.name}} would love to see you at <strong>{{event.title}}</strong>.</p>
${EVENT_DETAILS}
${DESCRIPTION}
<p style="margin:0;">Will you come? You can change your answer later.</p>
${ANSWER_BUTTONS}
${FALLBACK_LINK}`,
  ),
  text: `Hello {{invitee.name}},

{{host.name}} would love to see you at {{event.title}}.

${TEXT_DETAILS}
{{#if event.description}}

{{event.description}}
{{/if}}

Will you come? You can change your answer later.

Accept: {{links.accept}}
Decline: {{links.decline}}

Your invitation: {{links.invitation}}

${TEXT_FOOTER}
`,
};

export const reminderStarter: StarterTemplate = {
  id: "reminder",
  name: "Reminder",
  description: "A nudge before the event for guests who have not answered yet.",
  subject: "Reminder: {{event.title}} on {{event.startsAt}}",
  html: layout(
    "{{event.title}} is coming up on {{event.startsAt}}. Let {{host.name}} know if you can come.",
    `<h1 style="margin:0 0 16px;font-size:24px;line-height:1.3;color:${INK};">{{event.title}} is coming up</h1>
<p style="margin:0 0 16px;">Hello {{invitee.name}},</p>
<p style="margin:0 0 16px;">A quick reminder from {{host.name}}: <strong>{{event.title}}</strong> is almost here, and we have not heard from you yet.</p>
${EVENT_DETAILS}
<p style="margin:0;">Please let us know whether you can make it.</p>
${ANSWER_BUTTONS}
${FALLBACK_LINK}`,
  ),
  text: `Hello {{invitee.name}},

A quick reminder from {{host.name}}: {{event.title}} is almost here, and we have not heard from you yet.

${TEXT_DETAILS}

Please let us know whether you can make it.

Accept: {{links.accept}}
Decline: {{links.decline}}

Your invitation: {{links.invitation}}

${TEXT_FOOTER}
`,
};

export const acceptanceStarter: StarterTemplate = {
  id: "acceptance",
  name: "Acceptance confirmation",
  description: "Sent right after a guest accepts, with the details to keep.",
  subject: "You're going to {{event.title}}",
  html: layout(
    "Your place at {{event.title}} on {{event.startsAt}} is confirmed.",
    `<h1 style="margin:0 0 16px;font-size:24px;line-height:1.3;color:${INK};">See you at {{event.title}}</h1>
<p style="margin:0 0 16px;">Hello {{invitee.name}},</p>
<p style="margin:0 0 16px;">Thank you for accepting. {{host.name}} has your answer, and here are the details to keep:</p>
${EVENT_DETAILS}
${DESCRIPTION}
<p style="margin:0 0 16px;">Plans changed? You can still <a href="{{links.decline}}" style="color:${BRAND};">decline</a> or review your answer on <a href="{{links.invitation}}" style="color:${BRAND};">your invitation page</a>.</p>`,
  ),
  text: `Hello {{invitee.name}},

Thank you for accepting. {{host.name}} has your answer, and here are the details to keep:

${TEXT_DETAILS}
{{#if event.description}}

{{event.description}}
{{/if}}

Plans changed? You can still decline: {{links.decline}}
Your invitation page: {{links.invitation}}

${TEXT_FOOTER}
`,
};

export const declineStarter: StarterTemplate = {
  id: "decline",
  name: "Decline notice",
  description: "Sent when a guest declines, only for events whose organiser turned the notice on.",
  subject: "Sorry you can't make it to {{event.title}}",
  html: layout(
    "{{host.name}} has your answer for {{event.title}}.",
    `<h1 style="margin:0 0 16px;font-size:24px;line-height:1.3;color:${INK};">Sorry you can't make it</h1>
<p style="margin:0 0 16px;">Hello {{invitee.name}},</p>
<p style="margin:0 0 16px;">Thank you for letting {{host.name}} know that you cannot come to <strong>{{event.title}}</strong>:</p>
${EVENT_DETAILS}
<p style="margin:0 0 16px;">If your plans change, you can still <a href="{{links.accept}}" style="color:${BRAND};">accept</a> on <a href="{{links.invitation}}" style="color:${BRAND};">your invitation page</a>.</p>`,
  ),
  text: `Hello {{invitee.name}},

Thank you for letting {{host.name}} know that you cannot come to {{event.title}}:

${TEXT_DETAILS}

If your plans change, you can still accept on your invitation page: {{links.invitation}}

${TEXT_FOOTER}
`,
};

export const STARTER_TEMPLATES: readonly StarterTemplate[] = [invitationStarter, reminderStarter, acceptanceStarter, declineStarter];
