/** The DOM of both demo pages (same markup): small helpers, no framework. */
import { inCall, type CallState } from './peer.ts';

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

export type Phase = 'signed-out' | 'signing-in' | 'online';
/** Where an error is shown: next to what caused it. */
export type ErrorPlace = 'sign-in' | 'call' | 'media';

export interface View {
  readonly phase: Phase;
  readonly call: CallState;
  readonly remote: string | null;
  /** A call is being started (camera prompt, offer on its way). */
  readonly starting: boolean;
}

const STAGE_TEXT: Record<CallState, (remote: string) => string> = {
  idle: () => 'Your call shows up here.',
  calling: (r) => `Calling ${r}…`,
  answering: (r) => `${r} is calling…`,
  open: (r) => `Connected to ${r}, without video. Chat below.`,
  closed: () => 'Your call shows up here.',
  failed: () => 'Your call shows up here.',
};

const STATE_TEXT: Record<CallState, (remote: string) => string> = {
  idle: () => 'Ready',
  calling: (r) => `Calling ${r}…`,
  answering: (r) => `${r} is calling, connecting…`,
  open: (r) => `In a call with ${r}`,
  closed: () => 'Call ended',
  failed: () => 'Call failed',
};

export type Ui = ReturnType<typeof bindUi>;

/** Wires the page's controls; handlers get plain values, the page decides. */
export function bindUi() {
  const $ = {
    name: el<HTMLInputElement>('name'), newName: el<HTMLButtonElement>('new-name'), start: el<HTMLButtonElement>('start'),
    signIn: el<HTMLFormElement>('sign-in'), online: el('online'), me: el('me'),
    share: el<HTMLInputElement>('share-link'), copy: el<HTMLButtonElement>('copy-link'),
    callForm: el<HTMLFormElement>('call-form'), peer: el<HTMLInputElement>('peer'), useMedia: el<HTMLInputElement>('use-media'),
    call: el<HTMLButtonElement>('call'), hangUp: el<HTMLButtonElement>('hang-up'), state: el('state'), remote: el('remote'),
    invite: el('invite'), stageText: el('stage-text'), status: el('status'), statusText: el('status-text'), transport: el('transport'),
    remoteVideo: el<HTMLVideoElement>('remote-video'), localVideo: el<HTMLVideoElement>('local-video'), unmute: el<HTMLButtonElement>('unmute'),
    chatForm: el<HTMLFormElement>('chat-form'), text: el<HTMLInputElement>('text'), send: el<HTMLButtonElement>('send'),
    messages: el<HTMLOListElement>('messages'), log: el<HTMLOListElement>('log'),
  };
  const errors: Record<ErrorPlace, HTMLElement> = { 'sign-in': el('sign-in-error'), call: el('call-error'), media: el('media-error') };
  let view: View = { phase: 'signed-out', call: 'idle', remote: null, starting: false };

  const render = () => {
    const online = view.phase === 'online';
    const busy = inCall(view.call) || view.starting;
    $.name.disabled = view.phase !== 'signed-out';
    $.newName.disabled = view.phase !== 'signed-out';
    $.start.disabled = view.phase !== 'signed-out' || $.name.value.trim() === '';
    $.signIn.hidden = online;
    $.online.hidden = !online;
    $.peer.disabled = busy;
    $.useMedia.disabled = busy;
    $.call.disabled = !online || busy || $.peer.value.trim() === '';
    $.hangUp.disabled = !inCall(view.call);
    $.text.disabled = view.call !== 'open';
    $.send.disabled = view.call !== 'open' || $.text.value === '';
    $.state.textContent = STATE_TEXT[view.call](view.remote ?? '');
    $.remote.textContent = view.remote ?? '';
    $.stageText.textContent = STAGE_TEXT[view.call](view.remote ?? '');
    $.status.dataset.online = online ? 'yes' : 'no';
    if (!online) $.statusText.textContent = view.phase === 'signing-in' ? 'Connecting…' : 'Offline';
    if (online) document.body.dataset.signedIn = 'yes';
    else delete document.body.dataset.signedIn;
    document.body.dataset.state = view.call;
    document.body.dataset.inCall = inCall(view.call) ? 'yes' : 'no';
  };
  for (const input of [$.name, $.peer, $.text]) input.addEventListener('input', render);
  $.name.addEventListener('input', () => showError('sign-in', null));
  $.peer.addEventListener('input', () => showError('call', null));

  const append = (list: HTMLOListElement, cls: string, who: string, text: string) => {
    const li = document.createElement('li');
    li.className = cls;
    if (who) {
      li.dataset.from = who;
      const b = document.createElement('b');
      b.className = 'who';
      b.textContent = who;
      li.append(b);
    }
    const span = document.createElement('span');
    span.className = 'text';
    span.textContent = text;
    li.append(span);
    list.append(li);
    list.scrollTop = list.scrollHeight;
  };
  const log = (line: string) => append($.log, '', '', `${new Date().toISOString().slice(11, 23)} ${line}`);
  const showError = (place: ErrorPlace, text: string | null) => {
    errors[place].textContent = text ?? '';
    errors[place].hidden = text === null;
  };
  const onSubmit = (form: HTMLFormElement, run: () => void) =>
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      run();
    });

  const play = (video: HTMLVideoElement) => {
    // Autoplay with sound needs a user gesture first (a reload that signs back in had none): play muted, offer to unmute.
    video.play().catch(() => {
      if (video !== $.remoteVideo || video.muted) return;
      video.muted = true;
      $.unmute.hidden = false;
      void video.play().catch(() => undefined);
    });
  };
  $.unmute.addEventListener('click', () => {
    $.remoteVideo.muted = false;
    $.unmute.hidden = true;
    void $.remoteVideo.play().catch(() => undefined);
  });
  const showStream = (video: HTMLVideoElement, stream: MediaStream | null) => {
    video.srcObject = stream;
    video.hidden = stream === null;
    if (stream) play(video);
    else if (video === $.remoteVideo) $.unmute.hidden = true;
  };
  $.copy.addEventListener('click', () => {
    $.share.select();
    navigator.clipboard?.writeText($.share.value).then(
      () => void ($.copy.textContent = 'Copied'),
      () => void ($.copy.textContent = 'Press Ctrl+C'),
    );
  });

  render();
  return {
    render(next: Partial<View>) {
      view = { ...view, ...next };
      render();
    },
    get view(): View {
      return view;
    },
    get name() {
      return $.name.value.trim();
    },
    set name(value: string) {
      $.name.value = value;
      render();
    },
    set peer(value: string) {
      $.peer.value = value;
      render();
    },
    wantsMedia: () => $.useMedia.checked,
    onSignIn: (h: (name: string) => void) => onSubmit($.signIn, () => h($.name.value.trim())),
    onNewName: (h: () => void) => $.newName.addEventListener('click', h),
    onCall: (h: (remote: string) => void) => onSubmit($.callForm, () => h($.peer.value.trim())),
    onHangUp: (h: () => void) => $.hangUp.addEventListener('click', h),
    onSay(h: (text: string) => boolean) {
      onSubmit($.chatForm, () => {
        const text = $.text.value;
        if (text === '' || !h(text)) return;
        append($.messages, 'mine', 'You', text);
        $.text.value = '';
        render();
      });
    },
    /** Signed in: shows the name and the link that calls it. */
    online(name: string, link: string) {
      $.me.textContent = name;
      $.share.value = link;
      $.copy.textContent = 'Copy';
      $.statusText.textContent = 'Online';
    },
    setTransport: (t: string) => void ($.transport.textContent = t),
    /** Opened from a shared link: says who will be called. */
    invite(remote: string | null) {
      $.invite.hidden = remote === null;
      $.invite.textContent = remote === null ? '' : `You are invited to call ${remote}. Go online and the call starts.`;
      $.start.textContent = remote === null ? 'Go online' : 'Go online and call';
    },
    showError,
    showLocal: (s: MediaStream | null) => showStream($.localVideo, s),
    showRemote: (s: MediaStream | null) => showStream($.remoteVideo, s),
    chat: (from: string, text: string) => append($.messages, 'theirs', from, text),
    notice: (text: string) => append($.messages, 'notice', '', text),
    log,
  };
}
