import { sipHash128, sipHashKey } from '../../crypto/siphash.ts';
import type { CallUrlRecord, PushTopic, PushUrls, SessionPatch, SessionRecord } from '../loop.ts';

/** Session record fields and their names in the session hash (loop-lua.ts). */
const SESSION_FIELDS = {
  key: 'k', idHmac: 'h', userKey: 'uk', identity: 'i', oauthState: 'os', oauthToken: 'ot',
} as const satisfies Record<keyof SessionRecord, string>;

type SessionField = keyof SessionRecord;
const BY_HASH_FIELD = new Map<string, SessionField>(
  Object.entries(SESSION_FIELDS).map(([name, field]) => [field, name as SessionField]),
);

/** The record's defined fields as hash field/value pairs. */
export function sessionPairs(record: SessionRecord): string[] {
  const out: string[] = [];
  for (const name of Object.keys(SESSION_FIELDS) as SessionField[]) {
    const value = record[name];
    if (value !== undefined) out.push(SESSION_FIELDS[name], value);
  }
  return out;
}

/** A patch as UPDATE_SESSION's arguments: how many pairs, the pairs to set, then the fields to delete (given as undefined). */
export function patchArgs(patch: SessionPatch): string[] {
  const set: string[] = [];
  const unset: string[] = [];
  for (const [name, value] of Object.entries(patch)) {
    const field = SESSION_FIELDS[name as SessionField];
    if (field === undefined) continue;
    if (value === undefined) unset.push(field);
    else set.push(field, value as string);
  }
  return [String(set.length / 2), ...set, ...unset];
}

/** A session from HGETALL's field/value pairs (the expiry and used flag are left out). */
export function decodeSession(pairs: readonly string[]): SessionRecord {
  const record: Partial<Record<SessionField, string>> = {};
  for (let i = 0; i < pairs.length; i += 2) {
    const name = BY_HASH_FIELD.get(pairs[i]);
    if (name !== undefined) record[name] = pairs[i + 1];
  }
  return record as SessionRecord;
}

/** A topic's letter in the push hash (loop-lua.ts). */
export const topicLetter = (topic: PushTopic): string => (topic === 'calls' ? 'c' : 'r');

/** The URLs given, as letter/URL pairs. */
export function pushPairs(urls: PushUrls): string[] {
  const out: string[] = [];
  for (const topic of ['calls', 'rooms'] as const) {
    const url = urls[topic];
    if (url !== undefined) out.push(topicLetter(topic), url);
  }
  return out;
}

export const encodeCallUrl = (record: CallUrlRecord): string => JSON.stringify(record);
export const decodeCallUrl = (json: string): CallUrlRecord => JSON.parse(json) as CallUrlRecord;

/** Keys other than 16-char latin1 digests (tests) are hashed to 128 bits first, as the memory store does. */
const OTHER_KEYS = sipHashKey(Buffer.from('signalbox nonce*'));

/** A nonce key as the 16 bytes stored: nonceKey's digest as it is, any other string hashed first. */
export function nonceBytes(key: string): Buffer {
  if (key.length === 16 && isLatin1(key)) return Buffer.from(key, 'latin1');
  const raw = Buffer.from(key, 'utf8');
  return Buffer.from(sipHash128(OTHER_KEYS, raw, 0, raw.length), 'latin1');
}

function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 255) return false;
  return true;
}
