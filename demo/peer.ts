import { stopStream } from './media.ts';
import { describeRoute } from './route.ts';
import type { Signal } from './signal.ts';

/** idle → calling | answering → open (chat channel open) → closed | failed. */
export type CallState = 'idle' | 'calling' | 'answering' | 'open' | 'closed' | 'failed';

export const inCall = (state: CallState): boolean => state === 'calling' || state === 'answering' || state === 'open';

export interface CallPeerOptions {
  /** Posts a signal to the named peer's inbox (in order). */
  readonly send: (to: string, signal: Signal) => Promise<void>;
  readonly iceServers: () => RTCIceServer[];
  /** Camera and microphone for the call being made or answered, or null for chat only. */
  readonly localMedia: () => Promise<MediaStream | null>;
  /** `reason`: a sentence for the user when a call ended on its own or failed. */
  readonly onState: (state: CallState, remote: string | null, reason?: string) => void;
  readonly onChat: (from: string, text: string) => void;
  readonly onLocalStream: (stream: MediaStream | null) => void;
  readonly onRemoteStream: (stream: MediaStream | null) => void;
  readonly log: (line: string) => void;
  /** How long a call may take to connect before it is given up. Default 30 s. */
  readonly connectTimeoutMs?: number;
}

/**
 * One WebRTC call at a time: a DataChannel named "chat", plus an audio and a
 * video transceiver that carry each side's camera and microphone when it has
 * them. The caller creates the channel, the transceivers and the offer; the
 * callee answers, sending its own media on the offered transceivers (no
 * renegotiation). Signals come in one at a time (the inbox is FIFO and the
 * pages await each handleSignal), so the offer is always applied before its
 * candidates; candidates that still beat the remote description are held back.
 */
export class CallPeer {
  readonly #o: CallPeerOptions;
  #pc: RTCPeerConnection | null = null;
  #channel: RTCDataChannel | null = null;
  #remote: string | null = null;
  #state: CallState = 'idle';
  #early: RTCIceCandidateInit[] = [];
  #local: MediaStream | null = null;
  #remoteStream: MediaStream | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: CallPeerOptions) {
    this.#o = options;
  }

  get remote(): string | null {
    return this.#remote;
  }

  get state(): CallState {
    return this.#state;
  }

  /** Calls `remote`. Rejects (the call is then over) when the offer could not be delivered. */
  async call(remote: string): Promise<void> {
    const pc = this.#open(remote, 'calling');
    this.#attach(pc.createDataChannel('chat'));
    const stream = await this.#takeMedia(pc);
    if (!stream) return;
    for (const kind of ['audio', 'video'] as const) {
      const track = stream.local?.getTracks().find((t) => t.kind === kind);
      if (track && stream.local) pc.addTransceiver(track, { direction: 'sendrecv', streams: [stream.local] });
      else pc.addTransceiver(kind, { direction: 'recvonly' });
    }
    await pc.setLocalDescription(await pc.createOffer());
    try {
      await this.#o.send(remote, { type: 'offer', sdp: pc.localDescription!.sdp });
    } catch (err) {
      if (this.#pc === pc) this.#close('idle');
      throw err;
    }
  }

  async handleSignal(from: string, signal: Signal): Promise<void> {
    if (signal.type === 'offer') return this.#answer(from, signal.sdp);
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
    } else if (signal.reason === 'busy') {
      this.#close('failed', `${from} is in another call right now.`);
    } else {
      this.#o.log(`${from} hung up`);
      this.#close('closed', `${from} hung up.`);
    }
  }

  /** Sends a chat line; false when no channel is open. */
  say(text: string): boolean {
    if (this.#channel?.readyState !== 'open') return false;
    this.#channel.send(text);
    return true;
  }

  hangUp(): void {
    this.#bye(this.#remote);
    this.#close('closed');
  }

  async #answer(from: string, sdp: string): Promise<void> {
    if (inCall(this.#state) && from !== this.#remote) {
      this.#o.log(`${from} called while in a call with ${this.#remote}: answered busy`);
      return void this.#o.send(from, { type: 'bye', reason: 'busy' }).catch(() => undefined);
    }
    const pc = this.#open(from, 'answering');
    pc.ondatachannel = (e) => this.#attach(e.channel);
    try {
      await this.#accept(pc, from, sdp);
    } catch (err) {
      if (this.#pc === pc) this.#close('failed', `Could not answer ${from}'s call.`);
      throw err;
    }
  }

  async #accept(pc: RTCPeerConnection, from: string, sdp: string): Promise<void> {
    await pc.setRemoteDescription({ type: 'offer', sdp });
    await this.#flushEarly(pc);
    const stream = await this.#takeMedia(pc);
    if (!stream) return;
    const tracks = stream.local?.getTracks() ?? [];
    for (const t of pc.getTransceivers()) {
      const track = tracks.find((k) => k.kind === t.receiver.track.kind);
      if (!track || !stream.local) continue;
      tracks.splice(tracks.indexOf(track), 1);
      await t.sender.replaceTrack(track);
      t.sender.setStreams(stream.local);
      t.direction = 'sendrecv';
    }
    await pc.setLocalDescription(await pc.createAnswer());
    await this.#o.send(from, { type: 'answer', sdp: pc.localDescription!.sdp });
  }

  /** Asks for camera and microphone; null when the call ended meanwhile (hung up during the prompt). */
  async #takeMedia(pc: RTCPeerConnection): Promise<{ local: MediaStream | null } | null> {
    const local = await this.#o.localMedia();
    if (this.#pc !== pc) {
      stopStream(local);
      return null;
    }
    this.#local = local;
    this.#o.onLocalStream(local);
    return { local };
  }

  #open(remote: string, state: 'calling' | 'answering'): RTCPeerConnection {
    if (this.#pc) this.#close(null);
    const pc = new RTCPeerConnection({ iceServers: this.#o.iceServers() });
    this.#pc = pc;
    this.#remote = remote;
    this.#setState(state, remote);
    const timeoutMs = this.#o.connectTimeoutMs ?? 30_000;
    this.#timer = setTimeout(() => {
      if (this.#pc !== pc || this.#state === 'open') return;
      this.#bye(remote);
      this.#close('failed', state === 'calling' ? `${remote} did not answer.` : `Could not connect to ${remote}.`);
    }, timeoutMs);
    pc.onicecandidate = (e) => {
      if (e.candidate && this.#pc === pc) {
        this.#o.send(remote, { type: 'candidate', candidate: e.candidate.toJSON() }).catch((err) => this.#o.log(`could not send a candidate: ${String(err)}`));
      }
    };
    pc.ontrack = (e) => {
      if (this.#pc !== pc) return;
      this.#remoteStream ??= new MediaStream();
      this.#remoteStream.addTrack(e.track);
      this.#o.onRemoteStream(this.#remoteStream);
    };
    pc.onconnectionstatechange = () => {
      if (this.#pc !== pc) return;
      this.#o.log(`connection ${pc.connectionState}`);
      if (pc.connectionState === 'connected') void describeRoute(pc).then((route) => this.#o.log(`route: ${route}`));
      if (pc.connectionState === 'failed') {
        this.#close('failed', `No network path to ${remote} was found (a TURN server helps behind strict firewalls).`);
      }
    };
    return pc;
  }

  #attach(channel: RTCDataChannel): void {
    this.#channel = channel;
    const remote = this.#remote;
    channel.onopen = () => {
      if (this.#channel !== channel) return;
      clearTimeout(this.#timer);
      this.#setState('open', remote);
    };
    channel.onclose = () => {
      if (this.#channel === channel) this.#close('closed', `The call with ${remote} ended.`);
    };
    channel.onmessage = (e) => this.#o.onChat(remote ?? '?', String(e.data));
  }

  #bye(remote: string | null): void {
    if (remote) void this.#o.send(remote, { type: 'bye' }).catch(() => undefined);
  }

  async #flushEarly(pc: RTCPeerConnection): Promise<void> {
    const early = this.#early;
    this.#early = [];
    for (const c of early) await pc.addIceCandidate(c);
  }

  #setState(state: CallState, remote: string | null, reason?: string): void {
    this.#state = state;
    this.#o.onState(state, remote, reason);
  }

  /** Ends the call; `state` null when a new call replaces it at once. */
  #close(state: CallState | null, reason?: string): void {
    const remote = this.#remote;
    clearTimeout(this.#timer);
    this.#channel?.close();
    this.#pc?.close();
    stopStream(this.#local);
    if (this.#local) this.#o.onLocalStream(null);
    if (this.#remoteStream) this.#o.onRemoteStream(null);
    this.#channel = null;
    this.#pc = null;
    this.#remote = null;
    this.#early = [];
    this.#local = null;
    this.#remoteStream = null;
    if (state) this.#setState(state, remote, reason);
  }
}
