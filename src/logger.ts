import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * Logs on stdout, written synchronously: JSON lines, or readable text
 * (pino-pretty) when `format` is pretty, or auto and stdout is a terminal.
 * Credentials are never logged; the configuration is logged only through
 * describeConfig, which hides secrets.
 */
export function createLogger(level: string, format: LogFormat = 'json', isTty = Boolean(process.stdout.isTTY)): Logger {
  const readable = format === 'pretty' || (format === 'auto' && isTty);
  const destination: DestinationStream = readable
    ? pretty({ sync: true, colorize: isTty, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' })
    : pino.destination({ sync: true });
  return pino(
    {
      level,
      base: { service: 'signalbox' },
      redact: ['req.headers.authorization', 'password', '*.password'],
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
