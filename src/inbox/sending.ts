import { errors, type AppError } from '../errors.ts';
import type { InboxStore, SendFromOutcome, SendOutcome } from '../store/inbox.ts';
import { isAsync, type MaybeAsync } from '../store/maybe-async.ts';

export interface SendOptions {
  readonly store: Pick<InboxStore, 'exists' | 'send' | 'sendFrom'>;
  readonly inboxCapacity: number;
  readonly maxMessageBytes: number;
}

/** Queues a message for `to` from a sender already admitted, or says why it cannot be. */
export function queueMessage(o: SendOptions, from: string, to: string, contentType: string, body: Uint8Array): MaybeAsync<AppError | undefined> {
  if (body.length > o.maxMessageBytes) return errors.messageTooLarge(o.maxMessageBytes);
  if (body.length === 0) {
    // The table answers a missing recipient before an empty body.
    const exists = o.store.exists(to);
    return isAsync(exists) ? exists.then((e) => emptyBodyError(e, to)) : emptyBodyError(exists, to);
  }
  const outcome = o.store.send(to, { from, contentType, body });
  return isAsync(outcome) ? outcome.then((s) => sendError(s, to, o.inboxCapacity)) : sendError(outcome, to, o.inboxCapacity);
}

/** The sender has no live inbox: it must be opened (created) first, the way queueMessage's callers do. */
export const NO_SENDER = 'no-sender';

/**
 * Queues a message from the owner of an existing inbox in one store call
 * (its password checked with it), or says why it cannot be: NO_SENDER when
 * the sender's inbox does not exist (nothing was done). The body is not
 * empty and within the size limit (queueMessage answers the others).
 */
export function queueFrom(
  o: SendOptions, from: string, secret: string, to: string, contentType: string, body: Uint8Array,
): MaybeAsync<AppError | undefined | typeof NO_SENDER> {
  const outcome = o.store.sendFrom(secret, to, { from, contentType, body });
  return isAsync(outcome) ? outcome.then((s) => sendFromError(s, to, o.inboxCapacity)) : sendFromError(outcome, to, o.inboxCapacity);
}

function sendFromError(outcome: SendFromOutcome, to: string, inboxCapacity: number): AppError | undefined | typeof NO_SENDER {
  if (outcome === 'no-sender') return NO_SENDER;
  if (outcome === 'wrong-password') return errors.wrongPassword();
  return sendError(outcome, to, inboxCapacity);
}

function emptyBodyError(recipientExists: boolean, to: string): AppError {
  return recipientExists ? errors.emptyBody() : errors.noSuchInbox(to);
}

function sendError(outcome: SendOutcome, to: string, inboxCapacity: number): AppError | undefined {
  if (outcome === 'no-inbox') return errors.noSuchInbox(to);
  if (outcome === 'queue-full') return errors.inboxFull(inboxCapacity);
  if (outcome === 'over-budget') return errors.queueBudgetFull();
  return undefined;
}
