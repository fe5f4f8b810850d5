/** The candidate pair in use, as `address:port (type) <-> address:port (type)`: the proof that a call goes peer to peer. */
export async function describeRoute(pc: RTCPeerConnection): Promise<string> {
  const stats = await pc.getStats();
  let pairId: string | undefined;
  stats.forEach((s) => {
    if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  const pair = pairId ? stats.get(pairId) : undefined;
  const local = pair ? stats.get(pair.localCandidateId) : undefined;
  const remote = pair ? stats.get(pair.remoteCandidateId) : undefined;
  const show = (c: { address?: string; port?: number; candidateType?: string } | undefined) =>
    c ? `${c.address ?? '?'}:${c.port ?? '?'} (${c.candidateType ?? '?'})` : '?';
  return `${show(local)} <-> ${show(remote)}`;
}
