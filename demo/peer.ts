import type { Signal } from './signal.ts';

export interface ChatPeerOptions {
  /** Posts a signal to the named peer's inbox (in order). */
  readonly send: (to: string, signal: Signal) => Promise<void>;
  readonly iceServers: () => RTCIceServer[];
  /** 'calling', 'connecting', 'open', 'closed', 'failed' … */
  readonly onState: (state: string, remote: string | null) => void;
  readonly onChat: (from: string, text: string) => void;
  readonly log: (line: string) => void;
}

/**
 * One WebRTC conversation at a time over a DataChannel named "chat".
 * The caller creates the channel and the offer; the callee answers.
 * Signals come in one at a time (the inbox is FIFO and the pages await each
 * handleSignal), so the offer is always applied before its candidates;
 * candidates that still beat the remote description are held back.
 */
export class ChatPeer {
  readonly #o: ChatPeerOptions;
  #pc: RTCPeerConnection | null = null;
  #channel: RTCDataChannel | null = null;
  #remote: string | null = null;
  #early: RTCIceCandidateInit[] = [];

  constructor(options: ChatPeerOptions) {
    this.#o = options;
  }

  get remote(): string | null {
    return this.#remote;
  }

  async call(remote: string): Promise<void> {
    const pc = this.#open(remote);
    this.#attach(pc.createDataChannel('chat'));
    this.#o.onState('calling', remote);
    await pc.setLocalDescription(await pc.createOffer());
    await this.#o.send(remote, { type: 'offer', sdp: pc.localDescription!.sdp });
  }

  async handleSignal(from: string, signal: Signal): Promise<void> {
    if (signal.type === 'offer') {
      const pc = this.#open(from);
      pc.ondatachannel = (e) => this.#attach(e.channel);
      this.#o.onState('answering', from);
      await pc.setRemoteDescription({ type: 'offer', sdp: signal.sdp });
      await this.#flushEarly(pc);
      await pc.setLocalDescription(await pc.createAnswer());
      await this.#o.send(from, { type: 'answer', sdp: pc.localDescription!.sdp });
      return;
    }
    const pc = this.#pc;
    if (!pc || from !== this.#remote) {
      // A late candidate or a bye for a call that already ended is expected; say so only for answers.
      if (signal.type === 'answer') this.#o.log(`ignored an answer from ${from}: not calling them`);
      return;
    }
    if (signal.type === 'answer') {
      await pc.setRemoteDescription({ type: 'answer', sdp: signal.sdp });
      await this.#flushEarly(pc);
    } else if (signal.type === 'candidate') {
      if (pc.remoteDescription) await pc.addIceCandidate(signal.candidate);
      else this.#early.push(signal.candidate);
    } else {
      this.#o.log(`${from} hung up`);
      this.#close('closed');
    }
  }

  /** Sends a chat line; false when no channel is open. */
  say(text: string): boolean {
    if (this.#channel?.readyState !== 'open') return false;
    this.#channel.send(text);
    return true;
  }

  hangUp(): void {
    const remote = this.#remote;
    if (remote) void this.#o.send(remote, { type: 'bye' }).catch(() => undefined);
    this.#close('closed');
  }

  #open(remote: string): RTCPeerConnection {
    this.#close(null);
    const pc = new RTCPeerConnection({ iceServers: this.#o.iceServers() });
    this.#pc = pc;
    this.#remote = remote;
    pc.onicecandidate = (e) => {
      if (e.candidate && this.#pc === pc) {
        this.#o.send(remote, { type: 'candidate', candidate: e.candidate.toJSON() }).catch((err) => this.#o.log(`could not send a candidate: ${String(err)}`));
      }
    };
    pc.onconnectionstatechange = () => {
      if (this.#pc !== pc) return;
      this.#o.log(`connection ${pc.connectionState}`);
      if (pc.connectionState === 'connected') void this.#logRoute(pc);
      if (pc.connectionState === 'failed') this.#close('failed');
    };
    return pc;
  }

  #attach(channel: RTCDataChannel): void {
    this.#channel = channel;
    const remote = this.#remote;
    channel.onopen = () => this.#o.onState('open', remote);
    channel.onclose = () => {
      if (this.#channel === channel) this.#close('closed');
    };
    channel.onmessage = (e) => this.#o.onChat(remote ?? '?', String(e.data));
  }

  /** Logs the candidate pair in use: the proof that the chat goes peer to peer. */
  async #logRoute(pc: RTCPeerConnection): Promise<void> {
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
    this.#o.log(`route: ${show(local)} <-> ${show(remote)}`);
  }

  async #flushEarly(pc: RTCPeerConnection): Promise<void> {
    const early = this.#early;
    this.#early = [];
    for (const c of early) await pc.addIceCandidate(c);
  }

  #close(state: string | null): void {
    const remote = this.#remote;
    this.#channel?.close();
    this.#pc?.close();
    this.#channel = null;
    this.#pc = null;
    this.#remote = null;
    this.#early = [];
    if (state) this.#o.onState(state, remote);
  }
}
