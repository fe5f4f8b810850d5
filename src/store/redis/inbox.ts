import { StoreError, asStoreError } from '../errors.ts';
import type {
  InFlight, InboxEvent, InboxStore, OpenOutcome, ReadOnceOutcome, RemoveOutcome, SendFromOutcome, SendOutcome, StoreStats, StoredMessage,
} from '../inbox.ts';
import { startSweeping } from '../memory/sweeping.ts';
import { Channels } from './channels.ts';
import { COMMAND_TIMEOUT_MS, redisHealthy, withDeadline, type RedisConnection } from './connection.ts';
import type { RedisBackendOptions } from './backend-options.ts';
import * as lua from './inbox-lua.ts';
import { inBatches, type Script } from './script.ts';
import { decodeMessage, encodeMessage } from './message-codec.ts';

export interface RedisInboxOptions extends RedisBackendOptions {
  readonly inboxTtlMs: number;
  readonly inboxCapacity: number;
  readonly maxInboxes: number;
  readonly maxQueuedBytes: number;
}


/**
 * The inboxes in Redis, shared by every node of a deployment: each
 * operation is one script (inbox-lua.ts), so one round trip, and the events
 * travel on one channel per inbox, subscribed by the nodes that watch it.
 */
export class RedisInboxStore implements InboxStore {
  readonly #o: RedisInboxOptions;
  readonly #redis: RedisConnection;
  readonly #channels: Channels;
  readonly #stopSweeping: () => void;
  readonly #onError: (err: unknown) => void;
  /** Holds to release with the next RELEASE (name, hold, name, hold, …), and its run. */
  #releases: string[] = [];
  #releasing: Promise<void> | undefined;

  constructor(o: RedisInboxOptions) {
    this.#o = o;
    this.#redis = o.redis;
    this.#onError = o.onBackgroundError ?? (() => {});
    this.#channels = new Channels(o.redis.sub, (channels) => void this.#catchUp(channels), this.#onError);
    this.#stopSweeping = startSweeping(o.sweep, () => this.sweep().catch(this.#onError));
  }

  /** The arguments every script starts with: prefix, the time ('' for Redis's clock), the idle TTL. */
  #args(...rest: (string | number | Buffer)[]): (string | number | Buffer)[] {
    return [this.#redis.prefix, this.#o.clock ? this.#o.clock.now() : '', this.#o.inboxTtlMs, ...rest];
  }

  #run(script: Script, operation: string, ...rest: (string | number | Buffer)[]): Promise<unknown> {
    return script.run(this.#redis.cmd, this.#args(...rest)).catch((err: unknown) => {
      throw asStoreError(err, `redis inbox ${operation}`);
    });
  }

  #runBuffer(script: Script, operation: string, ...rest: (string | number | Buffer)[]): Promise<unknown> {
    return script.runBuffer(this.#redis.cmd, this.#args(...rest)).catch((err: unknown) => {
      throw asStoreError(err, `redis inbox ${operation}`);
    });
  }

  async open(name: string, secret: string, touch: boolean, takeOver = false): Promise<OpenOutcome> {
    return (await this.#run(lua.OPEN, 'open', name, digest(secret), touch ? 1 : 0, takeOver ? 1 : 0, this.#o.maxInboxes)) as OpenOutcome;
  }

  async readOnce(name: string, secret: string): Promise<ReadOnceOutcome> {
    const reply = (await this.#runBuffer(lua.READ_ONCE, 'readOnce', name, digest(secret), this.#o.maxInboxes)) as Buffer | TakeReply;
    return Buffer.isBuffer(reply) ? (reply.toString('latin1') as ReadOnceOutcome & string) : taken(reply)!;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.#run(lua.EXISTS, 'exists', name)) === 1;
  }

  async send(to: string, message: StoredMessage): Promise<SendOutcome> {
    const { maxQueuedBytes, inboxCapacity } = this.#o;
    return (await this.#run(lua.SEND, 'send', to, encodeMessage(message), message.body.byteLength, inboxCapacity, maxQueuedBytes)) as SendOutcome;
  }

  async sendFrom(secret: string, to: string, message: StoredMessage): Promise<SendFromOutcome> {
    const { maxQueuedBytes, inboxCapacity } = this.#o;
    const encoded = encodeMessage(message);
    const size = message.body.byteLength;
    return (await this.#run(lua.SEND_FROM, 'sendFrom', to, encoded, size, inboxCapacity, maxQueuedBytes, message.from, digest(secret))) as SendFromOutcome;
  }

  async take(name: string, epoch?: number, release = ''): Promise<StoredMessage | InFlight | undefined> {
    return taken((await this.#runBuffer(lua.TAKE, 'take', name, epoch ?? '', release)) as TakeReply);
  }

  async giveBack(name: string, message: StoredMessage): Promise<void> {
    await this.#run(lua.GIVE_BACK, 'giveBack', name, encodeMessage(message), message.body.byteLength, message.held ?? '');
  }

  /**
   * Releases go out together, one script per turn of the event loop (it runs
   * before the requests of the next turn are read), instead of one each.
   */
  release(name: string, held: string): Promise<void> {
    this.#releases.push(name, held);
    return (this.#releasing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      const pairs = this.#releases;
      this.#releases = [];
      this.#releasing = undefined;
      return this.#run(lua.RELEASE, 'release', ...pairs).then(() => undefined);
    }));
  }

  async remove(name: string, secret: string): Promise<RemoveOutcome> {
    return (await this.#run(lua.REMOVE, 'remove', name, digest(secret))) as RemoveOutcome;
  }

  async claim(name: string, leaseMs: number): Promise<number | undefined> {
    // A claim made before this node hears the inbox's channel could miss a newer claim's 'replaced'.
    const subscribing = this.#channels.subscribed(channelOf(this.#redis.prefix, name));
    if (subscribing) {
      await withDeadline(subscribing, COMMAND_TIMEOUT_MS, () => new StoreError(`redis inbox claim: subscribe: no answer within ${COMMAND_TIMEOUT_MS} ms`));
    }
    const epoch = (await this.#run(lua.CLAIM, 'claim', name, leaseMs)) as number | null;
    return epoch ?? undefined;
  }

  async renew(name: string, epoch: number, leaseMs: number): Promise<boolean> {
    return (await this.#run(lua.RENEW, 'renew', name, epoch, leaseMs)) === 1;
  }

  async unclaim(name: string, epoch: number, release = ''): Promise<void> {
    await this.#run(lua.UNCLAIM, 'unclaim', name, epoch, release);
  }

  async sweep(): Promise<number> {
    let dropped = 0;
    await inBatches(async (size) => {
      const [gone, seen] = (await this.#run(lua.SWEEP, 'sweep', size)) as [number, number];
      dropped += gone;
      return seen === size;
    });
    return dropped;
  }

  async stats(): Promise<StoreStats> {
    const [inboxes, messages, bytes] = (await this.#run(lua.STATS, 'stats')) as [number, number, number];
    return { inboxes, messages, bytes };
  }

  ping(): Promise<boolean> {
    return redisHealthy(this.#redis);
  }

  watch(name: string, listener: (event: InboxEvent) => void): () => void {
    return this.#channels.listen(channelOf(this.#redis.prefix, name), (payload) => {
      const event = parseEvent(name, payload);
      if (event) listener(event);
    }, this.#onError);
  }

  /** Stops the sweeps and the events; the connection is its owner's to close. */
  async close(): Promise<void> {
    this.#stopSweeping();
    this.#channels.close();
  }

  /**
   * After a reconnect: what was published meanwhile is lost, so every watched
   * inbox hears its current claim again (an older reader ends) and a
   * 'message' (a waiting reader looks at its queue).
   */
  async #catchUp(channels: readonly string[]): Promise<void> {
    const start = this.#redis.prefix.length + EVENTS.length;
    const names = channels.map((c) => c.slice(start));
    try {
      const epochs = (await this.#run(lua.EPOCHS, 'epochs', ...names)) as (string | null)[];
      names.forEach((name, i) => {
        const epoch = epochs[i];
        if (epoch !== null && epoch !== undefined) this.#deliver(name, `r${epoch}`);
        this.#deliver(name, 'm');
      });
    } catch (err) {
      this.#onError(err);
    }
  }

  #deliver(name: string, payload: string): void {
    this.#channels.deliver(channelOf(this.#redis.prefix, name), payload);
  }
}

const EVENTS = 'ev:';
const channelOf = (prefix: string, name: string) => prefix + EVENTS + name;

/** take's answer (inbox-lua.ts): [hold ('' for none), message], nothing, or the ms another taker's hold has left. */
type TakeReply = [Buffer, Buffer] | number | null;

function taken(reply: TakeReply): StoredMessage | InFlight | undefined {
  if (reply === null) return undefined;
  if (typeof reply === 'number') return { retryInMs: reply };
  const held = reply[0].toString('latin1');
  return decodeMessage(reply[1], held === '' ? undefined : held);
}

/** The secret digest as its 16 bytes (it is a latin1 string of them). */
const digest = (secret: string) => Buffer.from(secret, 'latin1');

function parseEvent(name: string, payload: string): InboxEvent | undefined {
  switch (payload) {
    case 'm':
      return { type: 'message', name };
    case 'gd':
      return { type: 'gone', name, reason: 'deleted' };
    case 'ge':
      return { type: 'gone', name, reason: 'expired' };
    default: {
      const epoch = payload.startsWith('r') ? Number(payload.slice(1)) : NaN;
      return Number.isSafeInteger(epoch) ? { type: 'replaced', name, epoch } : undefined;
    }
  }
}
