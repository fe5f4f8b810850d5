import { errors, type AppError } from '../errors.ts';
import type { KeyedLimit } from '../limits/index.ts';
import type { InboxStore } from '../store/inbox.ts';
import type { Owner } from './identity.ts';

/**
 * Opens the owner's inbox, creating it when absent (store.open). A creation
 * counts against the client's new-inbox limit; over the limit the inbox just
 * made is removed again and the answer is 429. Counting after the fact keeps
 * the common case (the inbox exists) at one store call.
 */
export async function openInbox(
  store: Pick<InboxStore, 'open' | 'remove'>, owner: Owner, touch: boolean, limit: KeyedLimit | null | undefined, client: string,
): Promise<AppError | undefined> {
  const outcome = await store.open(owner.name, owner.secret, touch);
  if (outcome === 'wrong-password') return errors.wrongPassword();
  if (outcome === 'full') return errors.tooManyInboxes();
  if (outcome === 'created' && limit) {
    const waitSec = await limit.take(client);
    if (waitSec > 0) {
      await store.remove(owner.name, owner.secret);
      return errors.rateLimited(waitSec);
    }
  }
  return undefined;
}
