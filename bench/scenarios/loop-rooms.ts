import { fileURLToPath } from 'node:url';
import { signedPlanArgs, signerFor, type SignedArgs } from '../lib/hawk-plan.ts';
import { hawkPost, registerSessions } from '../lib/loop-setup.ts';
import type { ConnectionPlan } from '../lib/plan.ts';
import type { Scenario } from '../lib/scenario.ts';
import { startSignalbox } from '../lib/servers.ts';
import { measureThroughput } from '../lib/throughput.ts';
import { loopBenchEnv } from '../lib/loop-config.ts';

const MODULE = fileURLToPath(import.meta.url);
/**
 * The original creates about 650 rooms/s and serves about 900 joins/s on one
 * core; the target is 20× both. A join there is one join request: the
 * original's load tests (mozilla-services/loop-server loadtests/loadtest/rooms.py,
 * mozilla-services/ailoads-loop loadtest.py) count join, refresh and leave
 * requests separately and follow a guest's join with a refresh half the time
 * and a leave 60 % of the time, so no join+refresh+leave cycle is counted
 * there. Here each cycle holds exactly one join, so joins/s = join requests/s;
 * its refresh and leave are the room work that comes with a join (and keep
 * rooms from filling up), a little more than the original's mix.
 */
export const REFERENCE_ROOM_CREATES_PER_SEC = 650;
export const REFERENCE_JOINS_PER_SEC = 900;
const OWNERS = 50;
const CREATE_BODY = JSON.stringify({
  context: { value: 'ZW5jcnlwdGVkIHJvb20gbmFtZQ', alg: 'AES-GCM', wrappedKey: 'd3JhcHBlZCBrZXk' },
  roomOwner: 'bench owner',
  maxSize: 5,
});
const JOIN = JSON.stringify({ action: 'join', displayName: 'bench participant', clientMaxSize: 5 });
const REFRESH = JSON.stringify({ action: 'refresh' });
const LEAVE = JSON.stringify({ action: 'leave' });
const JSON_TYPE = { 'content-type': 'application/json' };

/** Plan: POST /v1/rooms (Hawk, every request its own nonce), by the owners in turn: 201. Once-only. */
export function createRooms(args: SignedArgs, c: number, connections: number): ConnectionPlan {
  const sign = signerFor(args, c);
  return {
    cycles: args.cyclesPerConnection,
    once: true,
    cycle: (i) => [sign(c + i * connections, { method: 'POST', path: '/v1/rooms', headers: JSON_TYPE, body: CREATE_BODY, expect: 201 })],
  };
}

export interface ParticipantArgs extends SignedArgs {
  /** Room tokens: connection c uses rooms [c × roomsPerConnection, (c + 1) × roomsPerConnection). */
  readonly rooms: readonly string[];
  readonly roomsPerConnection: number;
  /** Participant sessions per connection (tokens[c × sessionsPerConnection …]). */
  readonly sessionsPerConnection: number;
}

/**
 * Plan: one cycle = a participant joins a room, refreshes and leaves it
 * (200, 200, 204), all with Hawk. Connection c owns its rooms and its
 * participant sessions and uses them in turn, so cycles in flight never share
 * a session, and a room never holds more than a participant or two (rooms
 * take 4 besides the owner's seat).
 */
export function joinRefreshLeave(args: ParticipantArgs, c: number): ConnectionPlan {
  const sign = signerFor(args, c);
  return {
    cycles: args.cyclesPerConnection,
    once: true,
    cycle: (i) => {
      const room = args.rooms[c * args.roomsPerConnection + (i % args.roomsPerConnection)];
      const session = c * args.sessionsPerConnection + (i % args.sessionsPerConnection);
      const path = `/v1/rooms/${room}`;
      return [
        sign(session, { method: 'POST', path, headers: JSON_TYPE, body: JOIN, expect: 200 }),
        sign(session, { method: 'POST', path, headers: JSON_TYPE, body: REFRESH, expect: 200 }),
        sign(session, { method: 'POST', path, headers: JSON_TYPE, body: LEAVE, expect: 204 }),
      ];
    },
  };
}

/** Pipelined cycles per connection in the participants' max run (each connection has this many rooms). */
const IN_FLIGHT = 4;

export const scenario: Scenario = {
  name: 'loop-rooms',
  description: 'Loop rooms: POST /v1/rooms (create), then participants join + refresh + leave (Hawk, every request its own nonce)',
  async run(ctx) {
    const o = ctx.options;
    const server = await startSignalbox(o, { env: loopBenchEnv() });
    try {
      const owners = await registerSessions(server, OWNERS);
      const sessionsPerConnection = 4 * IN_FLIGHT;
      const participants = await registerSessions(server, o.connections * sessionsPerConnection);
      const roomsPerConnection = IN_FLIGHT;
      ctx.log(`loop-rooms: ${OWNERS} owners, ${participants.length} participant sessions`);

      const createArgs = signedPlanArgs(o, { tokens: owners, port: server.port });
      const create = await measureThroughput(ctx, {
        scenario: 'loop-rooms create',
        server,
        plan: (run) => ({ module: MODULE, fn: 'createRooms', args: createArgs(run) }),
        maxMode: 'closed',
        pipelining: o.pipelining,
        targets: { cyclesPerSec: { value: 20 * REFERENCE_ROOM_CREATES_PER_SEC, unit: 'rooms created', per: 'room' } },
      });
      // The join rooms are made after the create runs: those make so many rooms that the
      // store's cap would evict rooms made before them (and every join would then be a 404).
      const rooms: string[] = [];
      for (let i = 0; i < o.connections * roomsPerConnection; i++) {
        const answer = await hawkPost(server, owners[i % OWNERS], '/v1/rooms', JSON.parse(CREATE_BODY), 201);
        if (typeof answer.roomToken !== 'string') throw new Error(`POST /v1/rooms: no roomToken in ${JSON.stringify(answer)}`);
        rooms.push(answer.roomToken);
      }
      ctx.log(`loop-rooms: ${rooms.length} rooms for the join run`);
      const joinArgs = signedPlanArgs({ ...o, pipelining: IN_FLIGHT }, { tokens: participants, port: server.port }, 3);
      const join = await measureThroughput(ctx, {
        scenario: 'loop-rooms join+refresh+leave',
        server,
        plan: (run) => ({
          module: MODULE,
          fn: 'joinRefreshLeave',
          args: { ...joinArgs(run), rooms, roomsPerConnection, sessionsPerConnection } satisfies ParticipantArgs,
        }),
        maxMode: 'closed',
        pipelining: IN_FLIGHT,
        targets: { cyclesPerSec: { value: 20 * REFERENCE_JOINS_PER_SEC, unit: 'join requests', per: 'join + refresh + leave' } },
      });
      return { rows: [...create.rows, ...join.rows], targets: [...create.targets, ...join.targets] };
    } finally {
      await server.stop();
    }
  },
};
