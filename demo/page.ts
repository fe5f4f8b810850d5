/**
 * What both demo pages do, whatever carries their signals: go online under
 * a name (random by default, its password kept so a reload comes back to the
 * same inbox), share a link that calls it, make and take calls.
 */
import { forgetPassword, keepPassword, nameProblem, passwordFor, randomToken, tabSession } from './identity.ts';
import { mediaProblem, openCamera } from './media.ts';
import { callProblem, lostProblem, signInProblem } from './messages.ts';
import { CallPeer, inCall } from './peer.ts';
import { fetchIceServers, inOrder, parseSignal } from './signal.ts';
import { bindUi } from './ui.ts';

/** An open inbox. `send` rejects with an error that has the HTTP `status` (see messages.ts). */
export interface Connection {
  /** The Basic Authorization header value of this inbox, for /turn-credentials. */
  readonly authorization: string;
  send(to: string, body: string): Promise<void>;
  close(): void;
}

export interface ConnectionEvents {
  /** A message of the inbox; the next one is not handed over before this settles. */
  message(from: string, text: string): Promise<void>;
  transport(label: string): void;
  /** The connection stopped for good (replaced by another reader, inbox deleted). */
  lost(error: unknown): void;
  log(line: string): void;
}

/** Opens `name`'s inbox; rejects with an error that has the HTTP `status` (401: the name has another password). */
export type Connect = (name: string, password: string, events: ConnectionEvents) => Promise<Connection>;

export function runPage(connect: Connect): void {
  const ui = bindUi();
  const params = new URLSearchParams(location.search);
  let invitedBy = params.get('call');
  let me: string | null = null;
  let connection: Connection | null = null;
  let iceServers: RTCIceServer[] = [];

  const send = inOrder(async (to, body) => {
    if (!connection) throw new Error('You are offline.');
    await connection.send(to, body);
  });

  const peer = new CallPeer({
    send,
    iceServers: () => iceServers,
    localMedia: async () => {
      if (!ui.wantsMedia()) return null;
      try {
        return await openCamera();
      } catch (err) {
        ui.showError('media', mediaProblem(err));
        ui.log(`camera: ${String(err)}`);
        return null;
      }
    },
    onState(state, remote, reason) {
      ui.render({ call: state, remote });
      if (state === 'answering' && remote) ui.peer = remote; // so that "Call" calls them back later
      if (state === 'failed' && reason) ui.showError('call', reason);
      else if (reason) ui.notice(reason);
      if (state === 'open') ui.notice(`Connected to ${remote}`);
    },
    onChat: (from, text) => ui.chat(from, text),
    onLocalStream: (s) => ui.showLocal(s),
    onRemoteStream: (s) => ui.showRemote(s),
    log: ui.log,
  });

  const events: ConnectionEvents = {
    async message(from, text) {
      const signal = parseSignal(text);
      if (!signal) return ui.log(`ignored a message from ${from} that is not a signal`);
      try {
        await peer.handleSignal(from, signal);
      } catch (err) {
        ui.log(`could not apply ${signal.type} from ${from}: ${String(err)}`);
      }
    },
    transport: (label) => ui.setTransport(label),
    lost(error) {
      const name = me ?? ui.name;
      goneOffline();
      ui.showError('sign-in', lostProblem(error, name));
    },
    log: ui.log,
  };

  function goneOffline(): void {
    if (inCall(peer.state)) peer.hangUp();
    connection?.close();
    connection = null;
    if (me) tabSession.write({ name: me, online: false });
    me = null;
    ui.setTransport('–');
    ui.render({ phase: 'signed-out' });
  }

  async function signIn(name: string): Promise<void> {
    const problem = nameProblem(name);
    if (problem) return ui.showError('sign-in', problem);
    ui.showError('sign-in', null);
    ui.render({ phase: 'signing-in' });
    const password = passwordFor(name);
    try {
      connection = await connect(name, password, events);
    } catch (err) {
      // 401: a password this browser kept no longer opens the name; a new one will be tried next time.
      if ((err as { status?: unknown }).status === 401) forgetPassword(name);
      tabSession.write({ name, online: false });
      ui.render({ phase: 'signed-out' });
      ui.showError('sign-in', signInProblem(err, name));
      ui.log(`sign-in failed: ${String(err)}`);
      return;
    }
    me = name;
    keepPassword(name, password);
    tabSession.write({ name, online: true });
    ui.online(name, `${location.origin}${location.pathname}?call=${encodeURIComponent(name)}`);
    iceServers = await fetchIceServers(connection.authorization, ui.log);
    ui.render({ phase: 'online' });
    if (invitedBy !== null) {
      const remote = invitedBy;
      invitedBy = null;
      ui.invite(null);
      // A reload must not call again.
      params.delete('call');
      history.replaceState(null, '', `${location.pathname}${params.toString() === '' ? '' : `?${params}`}`);
      await call(remote);
    }
  }

  async function call(remote: string): Promise<void> {
    ui.showError('call', null);
    ui.showError('media', null);
    const problem = remote === me ? 'That is your own name. Send your link to someone else, or open it in another window.' : nameProblem(remote);
    if (problem) return ui.showError('call', problem);
    ui.render({ starting: true });
    try {
      await peer.call(remote);
    } catch (err) {
      ui.showError('call', callProblem(err, remote));
      ui.log(`call failed: ${String(err)}`);
    } finally {
      ui.render({ starting: false });
    }
  }

  ui.onSignIn((name) => void signIn(name));
  ui.onNewName(() => {
    ui.name = randomToken();
    ui.showError('sign-in', null);
  });
  ui.onCall((remote) => void call(remote));
  ui.onHangUp(() => peer.hangUp());
  ui.onSay((text) => peer.say(text));
  addEventListener('pagehide', () => connection?.close());

  const saved = tabSession.read();
  ui.name = params.get('name') ?? saved?.name ?? randomToken();
  if (invitedBy !== null) {
    ui.peer = invitedBy;
    ui.invite(invitedBy);
  }
  // A reload of a page that was online goes back online under the same name (same password, same inbox).
  if (saved?.online) void signIn(saved.name);
}
