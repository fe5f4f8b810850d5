import { deriveState, type CallState, type Role } from './call-state.ts';
import type { ActionMessage } from './frames.ts';
import { errorReasons } from './protocol.ts';
import type { CallStateStore } from '../../store/call-state.ts';

/** What an `action` did: an error for its socket, or a change the store stored and broadcast in the same step. */
export type ActionOutcome =
  | { readonly error: string }
  /** `accepted`: this socket's accept moved the call to `connecting`. */
  | { readonly accepted: boolean };

const MEDIA_UP_FROM: readonly CallState[] = ['connecting', 'half-connected'];

/**
 * §12.6 on the store: checks and applies the transition an `action` asks
 * for, and broadcasts it, each as one atomic store step so concurrent
 * sockets cannot both win and no change goes unannounced. A call that is
 * gone counts as `terminated`.
 */
export async function applyAction(
  store: CallStateStore,
  callId: string,
  role: Role,
  m: ActionMessage,
): Promise<ActionOutcome> {
  if (m.event === 'terminate') {
    await store.terminate(callId, m.reason, undefined, true);
    return { accepted: false };
  }
  if (m.event === 'accept') {
    if (role !== 'callee') {
      // Allowed refusal (§12.6): a caller "accepting" would send every callee device away.
      const call = await store.get(callId);
      return { error: errorReasons.noTransition(call ? deriveState(call.markers) : 'terminated', 'accept') };
    }
    const outcome = await store.addMarker(callId, 'connecting', ['alerting'], true);
    if (!outcome?.added) return { error: errorReasons.noTransition(outcome?.before ?? 'terminated', 'accept') };
    return { accepted: true };
  }
  const outcome = await store.addMarker(callId, `connected.${role}`, MEDIA_UP_FROM, true);
  if (!outcome || !MEDIA_UP_FROM.includes(outcome.before)) {
    return { error: errorReasons.noTransition(outcome?.before ?? 'terminated', 'media-up') };
  }
  // A repeated media-up re-broadcasts the same state; rule 2 of §12.7 swallows it.
  return { accepted: false };
}
