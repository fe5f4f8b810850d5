/** §4 GET /api-specs: the descriptor of the "Videur" front proxy (plain values, not the original's braces). */
export function apiSpecs(location: string, version: string): unknown {
  const m = (...methods: string[]) => Object.fromEntries(methods.map((x) => [x, {}]));
  const callUrl = m('GET', 'PUT', 'DELETE');
  return {
    service: {
      location,
      version,
      videur_version: '0.1',
      resources: {
        '/__heartbeat__': m('GET'),
        '/': m('GET'),
        '/account': m('DELETE'),
        '/call-url': {
          ...callUrl,
          POST: { limits: { rates: [{ seconds: 60, hits: 60, match: 'header:Authorization AND header:User-Agent' }] } },
        },
        '/calls': m('GET', 'POST'),
        'regexp:/calls/[a-zA-Z0-9_-]{11}': m('POST'),
        '/fxa-oauth/params': m('POST'),
        '/fxa-oauth/token': m('POST', 'GET'),
        '/push-server-config': m('GET'),
        '/registration': m('POST', 'DELETE'),
        '/rooms': m('POST', 'DELETE', 'GET'),
        'regexp:/rooms/[a-zA-Z0-9_-]{11}': m('PATCH', 'DELETE', 'GET', 'POST'),
      },
    },
  };
}
