/**
 * What the event pages' client components receive and what their server actions return. Declared here, on the
 * browser side, so components need no server import; the actions in app/admin/events are typed against these.
 */

export type ActionFailure = {
  ok: false;
  code: string;
  message: string;
  fieldErrors?: Record<string, string>;
};

export type ActionResult<T extends object = object> = ({ ok: true } & T) | ActionFailure;

export interface TemplateOption {
  id: string;
  name: string;
}

/** The event form's values as `<input>`s hold them: local times as "YYYY-MM-DDTHH:MM" in `timezone`. */
export interface EventFormState {
  title: string;
  description: string;
  startsAt: string;
  endsAt: string;
  timezone: string;
  location: string;
  onlineUrl: string;
  capacity: string;
  rsvpDeadline: string;
  /** "on" when a decline gets a "sorry you can't make it" email, as a checkbox submits it. */
  declineNotice: string;
  linkLifetimeDays: string;
  templateId: string;
  /** One entry per reminder rule: days before the RSVP deadline (or the start), as typed. */
  reminders: string[];
}

export type SaveEventAction = (eventId: string | null, values: EventFormState) => Promise<ActionResult<{ id: string }>>;

export interface DeleteStepView {
  done: boolean;
  /** Documents deleted by this call. */
  deleted: number;
  /** Documents the deletion removes in all, counted on the first call only. */
  total: number | null;
}

export type DeleteStepAction = (eventId: string, first: boolean) => Promise<ActionResult<DeleteStepView>>;
