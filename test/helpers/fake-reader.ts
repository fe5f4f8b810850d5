import type { EndReason, Reader } from '../../src/inbox/service.ts';
import type { StoredMessage } from '../../src/store/inbox.ts';

/** A reader under test control: records what it got and how it ended. */
export class FakeReader implements Reader {
  readonly got: string[] = [];
  ended: EndReason | null = null;
  open = true;
  accepting = true;
  /** When false, deliver() fails as if the client had just gone away. */
  deliverable = true;
  constructor(readonly single = true) {}
  isOpen() { return this.open && (this.ended === null || !this.single); }
  canAccept() { return this.accepting; }
  deliver(m: StoredMessage) {
    if (!this.deliverable || !this.isOpen()) return false;
    this.got.push(Buffer.from(m.body).toString());
    return true;
  }
  finish(reason: EndReason) {
    this.ended ??= reason;
  }
}
