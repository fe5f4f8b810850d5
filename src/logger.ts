import { pino, type Logger } from 'pino';

/** JSON lines on stdout, written synchronously; credentials are never logged. */
export function createLogger(level: string): Logger {
  return pino(
    {
      level,
      base: { service: 'signalbox' },
      redact: ['req.headers.authorization', 'password', '*.password'],
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ sync: true }),
  );
}
