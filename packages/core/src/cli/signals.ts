import type { Io } from './options.ts';

/**
 * Resolve on the first SIGTERM or SIGINT (the caller then shuts down warmly); a second one exits at
 * once with code 1. For `beat` and `monitor`; `worker` uses the worker's own signal handling.
 */
export function untilSignal(io: Io): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      const again = (): void => {
        io.err(`Second ${signal}: exiting now.`);
        process.exit(1);
      };
      process.once('SIGTERM', again);
      process.once('SIGINT', again);
      io.err(`${signal}: shutting down (signal again to exit at once).`);
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
