// Preloaded (node --expose-gc --import) into a server under test by the
// memory scenario only: SIGWINCH runs a full GC so that RSS read from outside
// reflects live data rather than garbage. Nothing in src/ knows about it.
// Not SIGUSR2: close-with-grace shuts the server down on it. SIGWINCH is
// ignored by default, so a server without this hook is left unharmed.
const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGWINCH', () => {
  if (gc) {
    gc();
    gc(); // a second pass collects what the first one's finalizers released
  }
});
