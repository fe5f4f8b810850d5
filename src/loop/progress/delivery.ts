import type { PublishedState, Role } from './call-state.ts';
import { serverReasons, type ServerMessage } from './protocol.ts';
import type { StateChange } from '../../store/call-state.ts';

/** What one socket knows when a broadcast reaches it. */
export interface Recipient {
  readonly role: Role;
  /** This socket sent the `accept` that moved the call to `connecting`. */
  readonly accepted: boolean;
  /** The state of the last `progress` sent to it (a `hello` reply does not count). */
  readonly lastProgress: PublishedState | undefined;
}

export interface Delivery {
  /** The message to send, if any. */
  readonly send?: ServerMessage & { readonly messageType: 'progress' };
  /** Close the socket after sending; it gets nothing more. */
  readonly close: boolean;
}

const NOTHING: Delivery = Object.freeze({ close: false });

/** The broadcast delivery rules 1–4 of loop-v1.md §12.7, for one socket. */
export function deliveryFor(to: Recipient, change: StateChange): Delivery {
  const { state, reason } = change;
  // 1. Another callee device answered: this one is told so and let go; the
  //    call itself stays `connecting`.
  if (state === 'connecting' && to.role === 'callee' && !to.accepted) {
    return {
      send: { messageType: 'progress', state: 'terminated', reason: serverReasons.answeredElsewhere },
      close: true,
    };
  }
  // 2. Never the same state twice in a row (reasons are not compared).
  if (state === to.lastProgress) return NOTHING;
  // 3. and 4.
  return {
    send: { messageType: 'progress', state, ...(state === 'terminated' && reason !== undefined && { reason }) },
    close: state === 'connected' || state === 'terminated',
  };
}
