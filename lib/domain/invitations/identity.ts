import { sha256Hex } from "./token";

/** 32 hex characters: 128 bits, so ids stay collision-free across every event Herald will ever hold. */
const INVITATION_ID_LENGTH = 32;

/**
 * The invitation document id for one address at one event. Deterministic, so two uploads racing to invite the
 * same person compute the same id and Firestore's create() precondition lets exactly one of them through.
 *
 * Hex rather than base64url: Firestore reserves ids matching __.*__, which base64url output can hit; hex cannot.
 * Hashed rather than readable so ids in logs, job ids and calendar UIDs do not disclose addresses. The id is not
 * a secret (anyone knowing the event id and the address can compute it): nothing may accept an invitation by id.
 *
 * @param emailKey the lower-cased address from `checkEmail`; passing the display form would split one person
 *                 into several invitations, so that is refused.
 */
export function invitationIdFor(eventId: string, emailKey: string): string {
  if (eventId === "" || eventId.includes("\n")) throw new RangeError("eventId must be non-empty and single-line");
  if (emailKey === "" || emailKey.includes("\n")) throw new RangeError("emailKey must be non-empty and single-line");
  if (emailKey !== emailKey.toLowerCase()) throw new RangeError("emailKey must be lower-case (use checkEmail's emailKey)");
  return sha256Hex(`${eventId}\n${emailKey}`).slice(0, INVITATION_ID_LENGTH);
}

/**
 * The queue job id for the `sendSeq`-th send of an invitation. A retry of the same send reuses the id (the job
 * already exists, so nothing is queued twice); a resend bumps sendSeq and gets a new job. Passing the invitation's
 * tokenVersion as sendSeq ties each job to the link it mails.
 */
export function queueJobIdFor(invitationId: string, sendSeq: number): string {
  if (!/^[0-9a-f]+$/.test(invitationId)) throw new RangeError("invitationId must come from invitationIdFor");
  if (!Number.isSafeInteger(sendSeq) || sendSeq < 1) {
    throw new RangeError(`sendSeq must be a positive integer, got ${sendSeq}`);
  }
  return `${invitationId}-${sendSeq}`;
}
