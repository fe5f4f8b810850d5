import { DEFAULT_TIMINGS, type ProgressTimings, type Role } from '../../../src/loop/progress/call-state.ts';
import { MemoryCallStateStore } from '../../../src/store/memory/call-state.ts';
import type { ProgressSocket, ServerMessage } from '../../../src/loop/progress/protocol.ts';
import { ProgressSession } from '../../../src/loop/progress/session.ts';
import type { CallStateStore, PlacedCall } from '../../../src/store/call-state.ts';
import { FakeTime } from '../../helpers/fake-time.ts';

export const CALL_ID = '0123456789abcdef0123456789abcdef';
export const CALLER_TOKEN = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
export const CALLEE_TOKEN = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
export const CALL_DURATION_MS = 60_000;

/** A call as POST /calls stores it, with these ids. */
export const placedCall = (callId: string, wsCallerToken: string, wsCalleeToken: string): PlacedCall => ({
  callId, wsCallerToken, wsCalleeToken, callType: 'audio-video', timestamp: 1, apiKey: 'key', sessionId: 'session', calleeToken: 'provider-token',
});

/** Lets every pending promise chain of the in-memory store run to its end. */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Records what the session sent; `close` behaves like uWS, which then runs the close handler. */
export class FakeSocket implements ProgressSocket {
  readonly sent: ServerMessage[] = [];
  closedWith: { code?: number; reason?: string } | undefined;
  /** Protocol violations of the session (sending after close, closing twice). */
  readonly misuse: string[] = [];
  session!: ProgressSession;

  send(message: ServerMessage): void {
    if (this.closedWith) this.misuse.push(`send after close: ${JSON.stringify(message)}`);
    this.sent.push(JSON.parse(JSON.stringify(message)));
  }

  close(code?: number, reason?: string): void {
    if (this.closedWith) this.misuse.push('closed twice');
    this.closedWith = { code, reason };
    void this.session.closed();
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** The messages sent since the last call. */
  take(): ServerMessage[] {
    return this.sent.splice(0);
  }

  /** The client sends a frame (an object is JSON-encoded); resolves once everything it caused has settled. */
  async say(frame: object | string): Promise<void> {
    await this.session.receive(typeof frame === 'string' ? frame : JSON.stringify(frame));
    await settle();
  }

  /** The client goes away. */
  async hangUp(): Promise<void> {
    await this.session.closed();
    await settle();
  }
}

export interface Harness {
  readonly time: FakeTime;
  readonly store: MemoryCallStateStore;
  readonly errors: unknown[];
  /** Stores the standard call (CALL_ID, tokens) now. */
  createCall(): Promise<void>;
  /** A new, not yet authenticated socket. */
  connect(): FakeSocket;
  /** A new socket that said `hello` as `role` for the standard call. */
  join(role: Role): Promise<FakeSocket>;
  /** Moves the fake clock and lets the timers' store work finish. */
  advance(ms: number): Promise<void>;
}

export function harness(
  options: { timings?: ProgressTimings; wrapStore?: (store: MemoryCallStateStore) => CallStateStore } = {},
): Harness {
  const time = new FakeTime();
  const store = new MemoryCallStateStore({ clock: time, callDurationMs: CALL_DURATION_MS });
  const errors: unknown[] = [];
  const deps = {
    store: options.wrapStore ? options.wrapStore(store) : store,
    timers: time,
    timings: options.timings ?? DEFAULT_TIMINGS,
    onError: (err: unknown) => errors.push(err),
  };
  const connect = (): FakeSocket => {
    const socket = new FakeSocket();
    socket.session = new ProgressSession(socket, deps);
    return socket;
  };
  return {
    time,
    store,
    errors,
    createCall: async () => {
      await store.create(placedCall(CALL_ID, CALLER_TOKEN, CALLEE_TOKEN), ['callee-user']);
    },
    connect,
    async join(role) {
      const socket = connect();
      await socket.say({ messageType: 'hello', callId: CALL_ID, auth: role === 'caller' ? CALLER_TOKEN : CALLEE_TOKEN });
      return socket;
    },
    async advance(ms) {
      time.advance(ms);
      await settle();
    },
  };
}

/** Shorthands for the expected server messages. */
export const msg = {
  hello: (state: string, reason?: string) => ({ messageType: 'hello', state, ...(reason && { reason }) }),
  progress: (state: string, reason?: string) => ({ messageType: 'progress', state, ...(reason && { reason }) }),
  error: (reason: string) => ({ messageType: 'error', reason }),
};

export const action = (event: string, reason?: string) => ({ messageType: 'action', event, ...(reason !== undefined && { reason }) });

const STORE_METHODS = [
  'create', 'countCalls', 'listCalls', 'deleteUserCalls', 'get', 'addMarker', 'terminate', 'join', 'renew', 'leave',
  'setDeadline', 'fireDeadline', 'fireDue', 'publish', 'subscribe', 'close',
] as const;

/** `base` with `method` failing from the `after`-th call on (0: at once). */
export function failing(base: CallStateStore, method: keyof CallStateStore, after = 0): CallStateStore {
  const out: Record<string, unknown> = {};
  let calls = 0;
  for (const name of STORE_METHODS) {
    const real = (base[name] as (...args: unknown[]) => Promise<unknown>).bind(base);
    out[name] = name !== method ? real : async (...args: unknown[]) => {
      if (calls++ >= after) throw new Error(`${name} failed`);
      return real(...args);
    };
  }
  return out as unknown as CallStateStore;
}
