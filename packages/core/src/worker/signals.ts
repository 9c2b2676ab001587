import type { Logger } from 'pino';

/** What signal handling drives. */
export interface ShutdownTarget {
  close(options: { timeout?: number; force?: boolean }): Promise<void>;
}

/**
 * Celery's shutdown keys: the first SIGTERM or SIGINT is a warm shutdown (stop taking, wait up to
 * `timeout` ms for running tasks, requeue what still runs), a second one is cold (abort and requeue
 * now). Once closed, `onClosed` runs (the app closes its connections) and the process exits, as it
 * would on SIGTERM without handlers. Returns the function that removes the handlers.
 */
export function handleShutdownSignals(
  target: ShutdownTarget,
  options: { timeout: number; logger: Logger; onClosed: () => Promise<void> },
): () => void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) {
      options.logger.warn({ signal }, 'second signal: cold shutdown, aborting and requeueing running tasks');
      void target.close({ force: true });
      return;
    }
    signalled = true;
    options.logger.info(
      { signal, timeout: options.timeout },
      'warm shutdown: finishing running tasks (signal again to stop at once)',
    );
    target
      .close({ timeout: options.timeout })
      .then(() => options.onClosed())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          options.logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
}
