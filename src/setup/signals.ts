const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * On SIGTERM or SIGINT, runs `flush` and then lets the signal do what it would have done without
 * slokit: if no other listener is left for it, the signal is raised again, so the process ends the
 * conventional way (killed by the signal: exit status 128 + n in a shell, `signal` set for a parent
 * process). If the app has listeners of its own, they ran too and the app decides when to exit.
 * A second signal during the flush is not delayed. Returns the function that removes the handlers.
 */
export function flushOnSignals(flush: () => Promise<void>): () => void {
  const remove = (): void => {
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
  };
  function onSignal(signal: NodeJS.Signals): void {
    remove();
    void flush()
      .catch(() => undefined)
      .then(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
  }
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return remove;
}
