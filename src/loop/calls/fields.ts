import { loopErrors, type LoopError } from '../errors.ts';
import { WRONG_TYPE, type Given } from '../input.ts';

/** What POST /calls and POST /calls/{token} ask for, as read from the body; `null` is present only for callType. */
export interface CallRequest {
  /** `null` or a non-string is WRONG_TYPE. */
  readonly callType?: Given<string>;
  /** `null` is absent; another non-string is WRONG_TYPE. */
  readonly subject?: Given<string>;
  /** `null` is absent; another non-string is WRONG_TYPE. */
  readonly channel?: Given<string>;
}

/** The validated fields every new call carries. */
export interface CallFields {
  readonly callType: string;
  readonly subject?: string;
  /** The provider channel: the given one, or `default`. */
  readonly channel: string;
}

/**
 * The call types, each to its own string: a valid callType is answered with
 * this one rather than the string parsed from the body, which every call
 * would otherwise hold for its lifetime.
 */
const CALL_TYPES = new Map([['audio', 'audio'], ['audio-video', 'audio-video']]);

/** §7.2 step 2 / §7.3 steps 2–3: callType, optional subject (≤ `maxSubject`) and channel, in that order. */
export function callFields(request: CallRequest, maxSubject: number): CallFields | LoopError {
  const { callType, subject, channel } = request;
  if (callType === undefined) return loopErrors.missing(['callType']);
  const type = callType === WRONG_TYPE ? undefined : CALL_TYPES.get(callType);
  if (type === undefined) return loopErrors.invalid("callType should be 'audio' or 'audio-video'");
  if (subject !== undefined) {
    if (subject === WRONG_TYPE) return loopErrors.invalid('subject should be a string');
    if (subject.length > maxSubject) return loopErrors.invalid(`Call subject should be shorter than ${maxSubject} characters`);
  }
  if (channel === WRONG_TYPE) return loopErrors.invalid('channel should be a string');
  const ch = channel !== undefined && channel !== '' ? channel : 'default';
  return subject !== undefined ? { callType: type, subject, channel: ch } : { callType: type, channel: ch };
}
