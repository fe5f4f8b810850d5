import { Type, TypeCompiler, type Static } from '../../schema.ts';
import { jsonBytesTooDeep, jsonTextTooDeep } from '../json-depth.ts';
import { REASON_PATTERN } from './call-state.ts';
import { errorReasons, VALID_EVENTS } from './protocol.ts';

/** §12.1: frames above this are refused with close code 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;

/** Default deepest nesting of a frame's JSON (`limits.jsonDepth`): deeper is "Malformed message.". */
export const MAX_FRAME_DEPTH = 32;

/**
 * `callId` must be a string (no call has any other id, so anything else is
 * `bad callId`); `auth` may be any value: a non-string simply matches no token
 * (`bad authentication`), which is checked only after the call is found.
 */
export const HelloMessage = Type.Object({
  messageType: Type.Literal('hello'),
  callId: Type.String(),
  auth: Type.Unknown(),
});

/** `reason` is only checked on `terminate`, as the original did. */
export const ActionMessage = Type.Union([
  Type.Object({
    messageType: Type.Literal('action'),
    event: Type.Union([Type.Literal('accept'), Type.Literal('media-up')]),
  }),
  Type.Object({
    messageType: Type.Literal('action'),
    event: Type.Literal('terminate'),
    reason: Type.Optional(Type.String({ pattern: REASON_PATTERN })),
  }),
]);

export const EchoMessage = Type.Object({
  messageType: Type.Literal('echo'),
  echo: Type.Optional(Type.Unknown()),
});

export type HelloMessage = Static<typeof HelloMessage>;
export type ActionMessage = Static<typeof ActionMessage>;
export type EchoMessage = Static<typeof EchoMessage>;
export type ClientMessage = HelloMessage | ActionMessage | EchoMessage;

export type Decoded =
  | { readonly kind: 'message'; readonly message: ClientMessage }
  /** Answer `{"messageType":"error","reason":…}`, then close. */
  | { readonly kind: 'error'; readonly reason: string }
  /** Close with 1009, no reply. */
  | { readonly kind: 'too-large' }
  /** A binary frame (§12.1: each message is one text frame): "Malformed message.", then close 1003. */
  | { readonly kind: 'binary' };

type Fields = Record<string, unknown>;

const checks = {
  hello: TypeCompiler.Compile(HelloMessage),
  action: TypeCompiler.Compile(ActionMessage),
  echo: TypeCompiler.Compile(EchoMessage),
} as const;

/** Why a message of a known type failed its schema, in the original's order of checks. */
const explain: Record<keyof typeof checks, (m: Fields) => string> = {
  hello: (m) => missing(m, 'callId', 'auth') ?? errorReasons.badCallId,
  action: (m) => {
    const absent = missing(m, 'event');
    if (absent) return absent;
    if (!(VALID_EVENTS as readonly unknown[]).includes(m.event)) return errorReasons.invalidEvent(display(m.event));
    return errorReasons.invalidReason; // only terminate checks its reason
  },
  echo: () => errorReasons.malformed, // unreachable: any echo value passes
};

// fatal: a text frame that is not UTF-8 is not JSON either.
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Raw frame → a validated client message, or the §12.10 error to answer.
 * Decodes synchronously: uWS reuses the message ArrayBuffer once the
 * callback returns, so call this before any `await`. JSON nested deeper than
 * `maxDepth` is refused before parsing: an echo of it would otherwise make
 * JSON.stringify overflow the stack.
 */
export function decodeFrame(data: string | ArrayBuffer | ArrayBufferView, binary = false, maxDepth = MAX_FRAME_DEPTH): Decoded {
  if (binary) return { kind: 'binary' };
  let text: string;
  if (typeof data === 'string') {
    // A UTF-16 code unit takes at most 3 UTF-8 bytes: count bytes only when it could matter.
    if (data.length > MAX_FRAME_BYTES / 3 && Buffer.byteLength(data, 'utf8') > MAX_FRAME_BYTES) return { kind: 'too-large' };
    if (jsonTextTooDeep(data, maxDepth)) return { kind: 'error', reason: errorReasons.malformed };
    text = data;
  } else {
    if (data.byteLength > MAX_FRAME_BYTES) return { kind: 'too-large' };
    const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
    if (jsonBytesTooDeep(bytes, maxDepth)) return { kind: 'error', reason: errorReasons.malformed };
    try {
      text = utf8.decode(data);
    } catch {
      return { kind: 'error', reason: errorReasons.malformed };
    }
  }
  let value: unknown;
  try {
    // Plain JSON.parse: the result is only read and re-serialised, never
    // merged into another object, so `__proto__` keys stay inert own properties.
    value = JSON.parse(text);
  } catch {
    return { kind: 'error', reason: errorReasons.malformed };
  }
  // Valid JSON that is not an object has no messageType (the original crashed
  // on `null` and answered "Service Unavailable"; we answer like for `5` or `[]`).
  const type = typeof value === 'object' && value !== null ? (value as Fields).messageType : undefined;
  if (typeof type !== 'string' || !Object.hasOwn(checks, type)) {
    return { kind: 'error', reason: errorReasons.unknownMessageType };
  }
  const key = type as keyof typeof checks;
  if (checks[key].Check(value)) return { kind: 'message', message: value as ClientMessage };
  return { kind: 'error', reason: explain[key](value as Fields) };
}

/** `Missing parameters: a, b` for the absent ones (a JSON `null` counts as present, as in the original). */
function missing(m: Fields, ...names: string[]): string | undefined {
  const absent = names.filter((n) => !Object.hasOwn(m, n));
  return absent.length > 0 ? errorReasons.missingParameters(absent) : undefined;
}

/** A string as is (like the original's concatenation); anything else as JSON, which cannot throw on parsed JSON. */
const display = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
