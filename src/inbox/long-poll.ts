import { constantHeaders, type HeaderList, type Reply } from '../http/reply.ts';
import type { StoredMessage } from '../store/inbox.ts';
import type { EndReason, Reader } from './reader.ts';

/**
 * Why a waiting GET got its 204, when it was not the wait running out: a
 * client can tell "another reader took over" and "the inbox is gone" (deleted
 * or expired) from an empty inbox, as a WebSocket reader is told with 4409 and
 * 4404, and stop instead of polling again. The 204 itself is the protocol's.
 * A second Access-Control-Expose-Headers line lets cross-origin pages read it
 * (browsers join the two lines); every other response keeps exposing X-From alone.
 */
export const READ_ENDED_HEADER = 'X-Read-Ended';
const ended = (why: string) => constantHeaders([[READ_ENDED_HEADER, why], ['Access-Control-Expose-Headers', READ_ENDED_HEADER]]);
const ENDED: Partial<Record<EndReason, HeaderList>> = { replaced: ended('replaced'), gone: ended('gone') };

/** A GET /inbox as a Reader: one message (200) or none (204), then done. */
export class LongPollReader implements Reader {
  readonly single = true;
  constructor(private readonly reply: Reply) {}

  isOpen(): boolean {
    return !this.reply.finished;
  }

  canAccept(): boolean {
    return true;
  }

  deliver(message: StoredMessage): boolean {
    return this.reply.send(200, [['X-From', message.from], ['Content-Type', message.contentType]], message.body);
  }

  finish(reason: EndReason): void {
    this.reply.send(204, ENDED[reason] ?? []);
  }
}
