/**
 * A setting with a bad value; start-up stops with this message. Its own module so that any settings code can throw it
 * without import cycles. `detail` says what is allowed: "must be one of a, b" reads as "LOG_LEVEL must be one of a, b".
 */
export class ConfigError extends Error {
  constructor(readonly setting: string, readonly detail: string) {
    super(/^(must|needs|is|cannot|has|holds)\b/.test(detail) ? `${setting} ${detail}` : `${setting}: ${detail}`);
  }
}
