/** A setting with a bad value; start-up stops with this message. Its own module so that any settings code can throw it without import cycles. */
export class ConfigError extends Error {
  constructor(readonly setting: string, detail: string) {
    super(`invalid setting ${setting}: ${detail}`);
  }
}
