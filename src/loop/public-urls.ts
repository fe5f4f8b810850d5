import type { LoopConfig } from './settings.ts';

type UrlSettings = Pick<LoopConfig, 'publicServerAddress' | 'protocol' | 'progressURLEndpoint'> & {
  readonly callUrls: Pick<LoopConfig['callUrls'], 'webAppUrl'>;
  readonly rooms: Pick<LoopConfig['rooms'], 'webAppUrl'>;
};

/**
 * The addresses the Loop layer hands out (§7.5 progressURL, call and room
 * URLs, /api-specs). Each comes from its setting when one is given, and
 * otherwise from the address the server really listens on, which is known
 * only once it listens (port 0 picks one): the app reports it here.
 */
export class PublicUrls {
  #listening: string;

  constructor(private readonly c: UrlSettings, listening: string) {
    this.#listening = listening;
  }

  /** host:port as clients reach the server when no publicServerAddress is set. */
  listeningOn(hostPort: string): void {
    this.#listening = hostPort;
  }

  /** host[:port] of this server for clients. */
  get serverAddress(): string {
    return this.c.publicServerAddress ?? this.#listening;
  }

  /** http(s)://host[:port] */
  get origin(): string {
    return `${this.c.protocol}://${this.serverAddress}`;
  }

  /** §7.5: from configuration, never from the request. */
  get progressUrl(): string {
    if (this.c.protocol === 'https') {
      const host = new URL(`https://${this.serverAddress}`).hostname;
      return `wss://${host}:443${this.c.progressURLEndpoint}`;
    }
    return `ws://${this.serverAddress}${this.c.progressURLEndpoint}`;
  }

  callUrl(token: string): string {
    return (this.c.callUrls.webAppUrl ?? `${this.origin}/c/{token}`).replace('{token}', token);
  }

  roomUrl(token: string): string {
    return (this.c.rooms.webAppUrl ?? `${this.origin}/{token}`).replace('{token}', token);
  }
}

