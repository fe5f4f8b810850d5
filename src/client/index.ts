/** The signalbox inbox client: web APIs only (browsers and Node 20). */
export { InboxClient } from './inbox-client.ts';
export type { ClientState, InboxClientEvents, InboxClientOptions, TransportEvent } from './inbox-client.ts';
export { InboxError } from './errors.ts';
export { InboxMessage } from './message.ts';
export type { FetchFunction, TransportKind, WebSocketClass } from './transport.ts';
