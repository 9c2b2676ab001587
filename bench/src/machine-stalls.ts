import { type ChildProcess, spawn } from 'node:child_process';

/** How late an idle process's 1 ms timer fired while a round ran: pauses of the whole machine. */
export interface MachineStalls {
  /** 99th percentile of the timer's lateness, ms. */
  p99: number;
  /** The longest single lateness, ms: a pause every process on the machine saw. */
  max: number;
}

// An idle Node process with a 1 ms timer: its lateness is the machine's (CPU steal, scheduling),
// not the measured process's own work. Any line on stdin starts the count again (so its own start
// and a warm-up are left out); it prints its histogram when stdin closes.
const PROBE = `
const { monitorEventLoopDelay } = require('node:perf_hooks');
const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
process.stdin.on('data', () => h.reset());
process.stdin.on('end', () => {
  h.disable();
  process.stdout.write(JSON.stringify({ p99: h.percentile(99) / 1e6 - 1, max: h.max / 1e6 - 1 }));
});
`;

export interface StallWatch {
  /** Count from now on. */
  begin(): void;
  /** Stop, and resolve to what was seen since `begin()`. */
  end(): Promise<MachineStalls>;
}

/**
 * Start a watcher process. On a quiet machine both figures are a fraction of a millisecond; a
 * latency round whose `max` is tens of milliseconds was paused from outside, whatever it measured.
 */
export function watchMachineStalls(): StallWatch {
  const child: ChildProcess = spawn(process.execPath, ['-e', PROBE], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    begin: () => child.stdin?.write('\n'),
    end: async () => {
      child.stdin?.end();
      await exited;
      const parsed = JSON.parse(output || '{"p99":0,"max":0}') as MachineStalls;
      return { p99: Math.max(0, parsed.p99), max: Math.max(0, parsed.max) };
    },
  };
}
