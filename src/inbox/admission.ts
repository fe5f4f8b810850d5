import { errors, type AppError } from '../errors.ts';
import type { ClientRef, KeyedLimit } from '../limits/index.ts';
import type { InboxStore } from '../store/inbox.ts';
import type { Owner } from './identity.ts';

/**
 * Opens the owner's inbox, creating it when absent (store.open). A creation
 * counts against the client's new-inbox limit; over the limit the inbox just
 * made is removed again and the answer is 429. Counting after the fact keeps
 * the common case (the inbox exists) at one store call, and `who` names its
 * client only then (reading an HTTP request's address has a cost).
 */
export async function openInbox(
  store: Pick<InboxStore, 'open' | 'remove'>, owner: Owner, touch: boolean, limit: KeyedLimit | null | undefined, who: ClientRef,
  takeOver = false,
): Promise<AppError | undefined> {
  const outcome = await store.open(owner.name, owner.secret, touch, takeOver);
  if (outcome === 'wrong-password') return errors.wrongPassword();
  if (outcome === 'full') return errors.tooManyInboxes();
  if (outcome === 'created' && limit) {
    const waitSec = await limit.take(who.client);
    if (waitSec > 0) {
      await store.remove(owner.name, owner.secret);
      return errors.rateLimited(waitSec);
    }
  }
  return undefined;
}
