import { MemoryInboxStore } from '../../src/store/memory.ts';
import { inboxStoreProperties } from './inbox-store-properties.ts';

inboxStoreProperties('memory', (o) => new MemoryInboxStore(o));
