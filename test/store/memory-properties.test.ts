import { MemoryInboxStore } from '../../src/store/memory/inbox.ts';
import { inboxStoreProperties } from './inbox-store-properties.ts';

inboxStoreProperties('memory', (o) => new MemoryInboxStore(o));
