import { errors, type AppError } from '../errors.ts';
import type { ClientRef, KeyedLimit } from '../limits/index.ts';
import type { InboxStore, OpenOutcome } from '../store/inbox.ts';
import { isAsync, type MaybeAsync } from '../store/maybe-async.ts';
import type { Owner } from './identity.ts';

type Store = Pick<InboxStore, 'open' | 'remove'>;

/**
 * Opens the owner's inbox, creating it when absent (store.open). A creation
 * counts against the client's new-inbox limit; over the limit the inbox just
 * made is removed again and the answer is 429. Counting after the fact keeps
 * the common case (the inbox exists) at one store call, answered at once by
 * the memory store, and `who` names its client only then (reading an HTTP
 * request's address has a cost).
 */
export function openInbox(
  store: Store, owner: Owner, touch: boolean, limit: KeyedLimit | null | undefined, who: ClientRef, takeOver = false,
): MaybeAsync<AppError | undefined> {
  const outcome = store.open(owner.name, owner.secret, touch, takeOver);
  if (isAsync(outcome)) return outcome.then((o) => admitted(o, store, owner, limit, who));
  return admitted(outcome, store, owner, limit, who);
}

/** What an open's outcome means for the request: its error, if any (a creation over the client's limit is undone). */
export function admitted(
  outcome: OpenOutcome, store: Store, owner: Owner, limit: KeyedLimit | null | undefined, who: ClientRef,
): MaybeAsync<AppError | undefined> {
  if (outcome === 'wrong-password') return errors.wrongPassword();
  if (outcome === 'full') return errors.tooManyInboxes();
  if (outcome === 'created' && limit) return chargeNewInbox(store, owner, limit, who);
  return undefined;
}

async function chargeNewInbox(store: Store, owner: Owner, limit: KeyedLimit, who: ClientRef): Promise<AppError | undefined> {
  const waitSec = await limit.take(who.client);
  if (waitSec <= 0) return undefined;
  await store.remove(owner.name, owner.secret);
  return errors.rateLimited(waitSec);
}
