import { Type, TypeCompiler, type Static } from '../schema.ts';
import secureJson from 'secure-json-parse';
import type { AppError } from '../errors.ts';
import type { StoredMessage } from '../store/inbox.ts';

/**
 * The frames of `/inbox/ws` (inbox.md, "WebSocket delivery"): schemas of what
 * clients send, and builders of what the server sends. No transport here.
 */

const Id = Type.String({ maxLength: 256 });

export const AuthFrame = Type.Object({
  type: Type.Literal('auth'),
  username: Type.String(),
  password: Type.String(),
});

export const SendFrame = Type.Object({
  type: Type.Literal('send'),
  id: Id,
  to: Type.String(),
  data: Type.String(),
  contentType: Type.Optional(Type.String()),
  encoding: Type.Optional(Type.Union([Type.Literal('utf8'), Type.Literal('base64')])),
});

export type AuthFrame = Static<typeof AuthFrame>;
export type SendFrame = Static<typeof SendFrame>;
export type ClientFrame = AuthFrame | SendFrame;

const checkers = {
  auth: TypeCompiler.Compile(AuthFrame),
  send: TypeCompiler.Compile(SendFrame),
} as const;

/** Why a frame was refused as malformed (closes the socket with 4400). */
export interface Malformed {
  readonly malformed: string;
}

/** Parses and validates one text frame from a client. */
export function parseClientFrame(text: string): ClientFrame | Malformed {
  let value: unknown;
  try {
    // secure-json-parse: no __proto__ / constructor.prototype smuggling.
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch {
    return { malformed: 'the frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { malformed: 'the frame is not a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(checkers, type)) {
    return { malformed: `unknown frame type ${JSON.stringify(type ?? null)}` };
  }
  const checker = checkers[type as keyof typeof checkers];
  if (!checker.Check(value)) {
    const first = checker.Errors(value).First();
    const where = first?.path ? first.path.slice(1) : 'frame';
    return { malformed: `bad "${type}" frame: ${where}: ${first?.message ?? 'invalid'}` };
  }
  return value as ClientFrame;
}

export const isMalformed = (v: ClientFrame | Malformed): v is Malformed => 'malformed' in v;

// ignoreBOM: a leading U+FEFF is part of the body and must survive the trip.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const readyFrame = (): string => '{"type":"ready"}';

/** A message as pushed to its reader: UTF-8 text when the body is valid UTF-8, base64 otherwise. */
export function messageFrame(message: StoredMessage): string {
  let data: string;
  let encoding: 'base64' | undefined;
  try {
    data = strictUtf8.decode(message.body);
  } catch {
    data = Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength).toString('base64');
    encoding = 'base64';
  }
  return JSON.stringify({ type: 'message', from: message.from, contentType: message.contentType, data, ...(encoding && { encoding }) });
}

export const sentFrame = (id: string): string => JSON.stringify({ type: 'sent', id });

/** An error frame: the inbox error body plus `type` (and the `id` of the send it answers). */
export function errorFrame(err: AppError, id?: string): string {
  return JSON.stringify({ type: 'error', ...(id !== undefined && { id }), ...err.toJSON() });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The body bytes of a send frame, or null when `encoding: "base64"` data is not valid base64. */
export function sendBody(frame: SendFrame): Uint8Array | null {
  if (frame.encoding === 'base64') return BASE64.test(frame.data) ? Buffer.from(frame.data, 'base64') : null;
  return Buffer.from(frame.data, 'utf8');
}

/** Header-safe content types only: they are echoed in the Content-Type of a GET /inbox reader. */
const CONTENT_TYPE = /^[\x21-\x7e][\x20-\x7e]{0,254}$/;
export const contentTypeOk = (t: string): boolean => CONTENT_TYPE.test(t);
