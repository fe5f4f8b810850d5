import type { Reply } from '../http/reply.ts';
import type { StoredMessage } from '../store/inbox.ts';
import type { EndReason, Reader } from './reader.ts';

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

  finish(_reason: EndReason): void {
    this.reply.send(204, []);
  }
}
