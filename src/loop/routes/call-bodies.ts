import { field, parseIntLoose, type LoopBody } from '../body.ts';
import { calleeIdentities } from '../calls/callees.ts';
import type { CallRequest } from '../calls/fields.ts';
import type { CallUrlRequest } from '../call-urls/index.ts';
import { WRONG_TYPE, type Given } from '../input.ts';

/*
 * The call and call URL request bodies (§6, §7) read into the typed inputs
 * of their domains. Only JSON shapes are looked at here; the rules, the
 * messages and the order of the checks are the domains'.
 */

/** A string; `null` is absent; any other type is WRONG_TYPE. */
function optionalString(body: LoopBody, name: string): Given<string> | undefined {
  const v = field(body, name);
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : WRONG_TYPE;
}

/** POST /calls and POST /calls/{token}: callType, subject and channel. */
export function callRequest(body: LoopBody): CallRequest {
  const out: { -readonly [K in keyof CallRequest]: CallRequest[K] } = {};
  const callType = field(body, 'callType');
  if (callType !== undefined) out.callType = typeof callType === 'string' ? callType : WRONG_TYPE;
  const subject = optionalString(body, 'subject');
  if (subject !== undefined) out.subject = subject;
  const channel = optionalString(body, 'channel');
  if (channel !== undefined) out.channel = channel;
  return out;
}

/** POST /calls: the callee identities `calleeId` names (§7.3 step 5). */
export function calleesOf(body: LoopBody): string[] {
  return calleeIdentities(field(body, 'calleeId'));
}

/** POST /call-url and PUT /call-url/{token}: expiresIn, callerId, issuer and subject. */
export function callUrlRequest(body: LoopBody): CallUrlRequest {
  const out: { -readonly [K in keyof CallUrlRequest]: CallUrlRequest[K] } = {};
  const expiresIn = field(body, 'expiresIn');
  if (expiresIn !== undefined) out.expiresIn = parseIntLoose(expiresIn);
  for (const name of ['callerId', 'issuer', 'subject'] as const) {
    const v = optionalString(body, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}
