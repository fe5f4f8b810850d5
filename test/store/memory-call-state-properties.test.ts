import { MemoryCallStateStore } from '../../src/store/memory/call-state.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { callStateStoreProperties } from './call-state-properties.ts';

callStateStoreProperties({
  name: 'memory',
  make: ({ callDurationMs, maxCalls }) => {
    const time = new FakeTime();
    return { store: new MemoryCallStateStore({ clock: time, callDurationMs, maxCalls }), advance: async (ms) => time.advance(ms) };
  },
});
