import { MemoryLoopRoomStore } from '../../src/store/memory/rooms.ts';
import { FakeTime } from '../helpers/fake-time.ts';
import { roomJoinContract } from './room-join-contract.ts';

roomJoinContract('memory', () => {
  const time = new FakeTime();
  return { store: new MemoryLoopRoomStore({ clock: time }), advance: async (ms) => time.advance(ms) };
});
