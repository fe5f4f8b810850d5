/** The DOM of both demo pages (same markup): small helpers, no framework. */

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

export interface Ui {
  /** Called with the chosen name when the user signs in. */
  onSignIn(handler: (name: string) => Promise<void>): void;
  onCall(handler: (peer: string) => Promise<void>): void;
  onSay(handler: (text: string) => boolean): void;
  onHangUp(handler: () => void): void;
  signedIn(name: string): void;
  setState(state: string, remote: string | null): void;
  setTransport(transport: string): void;
  chat(from: string, text: string): void;
  log(line: string): void;
}

/** Wires the page's forms; errors thrown by handlers are shown in the log. */
export function bindUi(): Ui {
  const nameForm = el<HTMLFormElement>('sign-in');
  const nameInput = el<HTMLInputElement>('name');
  const callForm = el<HTMLFormElement>('call-form');
  const peerInput = el<HTMLInputElement>('peer');
  const chatForm = el<HTMLFormElement>('chat-form');
  const textInput = el<HTMLInputElement>('text');
  const hangUp = el<HTMLButtonElement>('hang-up');
  const messages = el<HTMLOListElement>('messages');
  const logList = el<HTMLOListElement>('log');

  const preset = new URLSearchParams(location.search).get('name');
  if (preset) nameInput.value = preset;

  const append = (list: HTMLOListElement, text: string, cls?: string) => {
    const li = document.createElement('li');
    li.textContent = text;
    if (cls) li.className = cls;
    list.append(li);
    li.scrollIntoView({ block: 'nearest' });
  };
  const log = (line: string) => append(logList, `${new Date().toISOString().slice(11, 23)} ${line}`);
  const guard = (form: HTMLFormElement, run: () => Promise<void> | void) => {
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      Promise.resolve()
        .then(run)
        .catch((err: unknown) => log(`error: ${err instanceof Error ? err.message : String(err)}`));
    });
  };

  return {
    onSignIn: (h) => guard(nameForm, () => h(nameInput.value.trim())),
    onCall: (h) => guard(callForm, () => h(peerInput.value.trim())),
    onSay: (h) =>
      guard(chatForm, () => {
        const text = textInput.value;
        if (text === '') return;
        if (!h(text)) return log('not connected: call someone first');
        append(messages, `me: ${text}`, 'mine');
        textInput.value = '';
      }),
    onHangUp: (h) => hangUp.addEventListener('click', h),
    signedIn(name) {
      el('me').textContent = name;
      nameInput.disabled = true;
      el<HTMLButtonElement>('start').disabled = true;
      document.body.dataset.signedIn = 'yes';
    },
    setState(state, remote) {
      el('state').textContent = state;
      el('remote').textContent = remote ?? '';
      document.body.dataset.state = state;
    },
    setTransport: (t) => void (el('transport').textContent = t),
    chat: (from, text) => append(messages, `${from}: ${text}`, 'theirs'),
    log,
  };
}
