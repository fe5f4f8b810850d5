import type { RedisConnection } from '../../src/store/redis/connection.ts';

export function redisRoomCases(_connection: RedisConnection, _fresh: () => RedisConnection): void {}
