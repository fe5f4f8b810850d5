import { FakeTime } from '../helpers/fake-time.ts';
import { contractCases } from './contract-cases.ts';
import { callCases } from './loop-store-calls.ts';
import { nonceAndLifecycleCases } from './loop-store-nonces.ts';
import { ROOMY, type LoopCases, type LoopStoreContract } from './loop-store-fixtures.ts';
import { sessionCases } from './loop-store-sessions.ts';

export type { LoopStoreContract, LoopStoreLimits } from './loop-store-fixtures.ts';

/**
 * The behaviour every LoopStore backend must have (memory now, Redis next):
 * one suite, run by each backend's test file with its own `make`.
 */
export function runLoopStoreContract({ name, make, skip = [] }: LoopStoreContract): void {
  const it: LoopCases = contractCases(name, skip, (track) => (limits = {}) => {
    const time = new FakeTime();
    return { store: track(make({ limits: { ...ROOMY, ...limits }, clock: time })), time };
  });
  sessionCases(it);
  callCases(it);
  nonceAndLifecycleCases(it);
  it.done();
}
