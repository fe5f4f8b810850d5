/** uWS wants the whole status line. */
const TEXT: Record<number, string> = {
  101: 'Switching Protocols', 200: 'OK', 201: 'Created', 204: 'No Content', 207: 'Multi-Status',
  301: 'Moved Permanently', 302: 'Found', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 411: 'Length Required',
  413: 'Payload Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Entity', 429: 'Too Many Requests',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

const LINES = new Map<number, string>();

export function statusLine(status: number): string {
  let line = LINES.get(status);
  if (line === undefined) {
    line = `${status} ${TEXT[status] ?? 'Unknown'}`;
    LINES.set(status, line);
  }
  return line;
}

const BYTES = new Map<number, Uint8Array>();

/** The status line as bytes, encoded once per status (uWS reads bytes without converting them). */
export function statusLineBytes(status: number): Uint8Array {
  let bytes = BYTES.get(status);
  if (bytes === undefined) {
    bytes = Buffer.from(statusLine(status), 'latin1');
    BYTES.set(status, bytes);
  }
  return bytes;
}
