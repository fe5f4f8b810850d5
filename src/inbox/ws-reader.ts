import type { StoredMessage } from '../store/inbox.ts';
import type { EndReason, Reader } from './reader.ts';
import { messageFrame, readyFrame } from './ws-frames.ts';
import { CLOSE, wsErrors } from './ws-errors.ts';
import type { WsSession } from './ws-session.ts';

/** The socket as the owner's reader (src/inbox/reader.ts): every message, for as long as it lives. */
export class SocketReader implements Reader {
  readonly single = false;
  #readySent = false;

  constructor(private readonly session: WsSession, private readonly highWaterBytes: number) {}

  isOpen(): boolean {
    return this.session.peer.open;
  }

  /** Backpressure: while the socket is backed up, messages stay queued (the drain handler resumes). */
  canAccept(): boolean {
    return this.session.peer.bufferedAmount() < this.highWaterBytes;
  }

  deliver(message: StoredMessage): boolean {
    const peer = this.session.peer;
    if (!peer.open) return false;
    this.sendReady(); // a message may be pushed before read() has returned: "ready" still comes first
    const status = peer.send(messageFrame(message));
    if (status === 'ok' || status === 'buffered') return true;
    // Dropped by the socket's backpressure limit: the service puts it back at
    // the head of the queue; a socket that does not read is closed.
    if (status === 'dropped') this.session.fail(wsErrors.backpressure(), CLOSE.policy);
    return false;
  }

  finish(reason: EndReason): void {
    this.session.readerEnded(reason);
  }

  sendReady(): void {
    if (this.#readySent || !this.session.peer.open) return;
    this.#readySent = true;
    this.session.peer.send(readyFrame());
  }
}
