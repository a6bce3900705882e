/** What a queue job mails. Reminders are the low-priority nudges sent before an event. */
export const JOB_KINDS = ["invitation", "confirmation", "reminder", "test"] as const;
export type JobKind = (typeof JOB_KINDS)[number];
