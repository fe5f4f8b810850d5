import { errors, type AppError } from '../errors.ts';
import type { InboxStore, SendOutcome } from '../store/inbox.ts';
import { isAsync, type MaybeAsync } from '../store/maybe-async.ts';

export interface SendOptions {
  readonly store: Pick<InboxStore, 'exists' | 'send'>;
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

function emptyBodyError(recipientExists: boolean, to: string): AppError {
  return recipientExists ? errors.emptyBody() : errors.noSuchInbox(to);
}

function sendError(outcome: SendOutcome, to: string, inboxCapacity: number): AppError | undefined {
  if (outcome === 'no-inbox') return errors.noSuchInbox(to);
  if (outcome === 'queue-full') return errors.inboxFull(inboxCapacity);
  if (outcome === 'over-budget') return errors.queueBudgetFull();
  return undefined;
}
