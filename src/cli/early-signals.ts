// The first thing the command line installs (main.ts imports it before any
// other module runs): until a command sets up its own handlers
// (signals.ts), a SIGINT or SIGTERM is remembered instead of killing the
// process, so a signal that lands while Node is still loading the program
// stops the run the same way as one that lands mid-search (exit 3, what was
// done written) rather than leaving nothing behind. This is process state by
// nature: a signal is delivered to the process.

type Handled = 'SIGINT' | 'SIGTERM';

let first: Handled | null = null;
const latches = (['SIGINT', 'SIGTERM'] as const).map((sig) => {
  const latch = (): void => {
    first ??= sig;
  };
  process.on(sig, latch);
  return [sig, latch] as const;
});

/** The signal received before the command's own handlers, if any; removes the latches (call once those are installed). */
export function takeEarlySignal(): Handled | null {
  for (const [sig, latch] of latches) process.off(sig, latch);
  return first;
}
