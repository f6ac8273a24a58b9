// SIGINT and SIGTERM while runs go on. Every run works on a worker thread
// (cli/side-by-side.ts), so this thread's event loop is free to see a
// signal at once; the handler sets the process's stop word, which each run
// reads between two batches of states (cli/stop.ts), and every run then
// writes its checkpoint (when asked), its traces and its summary, and the
// command exits 3. A second signal quits at once, as TLC and most tools do,
// with the shell's code for a death by that signal (130 for SIGINT, 143 for
// SIGTERM): nothing more is written then.

import { takeEarlySignal } from './early-signals.js';
import { STOP_WORD_BYTES } from './stop.js';

const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;
type Handled = keyof typeof SIGNALS;

export interface SignalStop {
  /** The stop word the runs read (cli/stop.ts). */
  readonly word: SharedArrayBuffer;
  /** The first signal received, or null. */
  readonly signal: Handled | null;
  /** Called once, on the first signal (now, when one came already). */
  onStop(listener: () => void): void;
  /** Removes the handlers (the default behaviour of the signals comes back). */
  dispose(): void;
}

export function stopOnSignals(o: { quiet?: boolean } = {}): SignalStop {
  const word = new SharedArrayBuffer(STOP_WORD_BYTES);
  const view = new Int32Array(word);
  const listeners: (() => void)[] = [];
  let signal: Handled | null = null;
  const handlers = Object.keys(SIGNALS).map((name) => {
    const sig = name as Handled;
    const handler = (): void => {
      if (signal !== null) {
        process.stderr.write(`\nvmsa-check: ${sig} again: quitting at once, nothing more is written\n`);
        process.exit(128 + SIGNALS[sig]);
      }
      signal = sig;
      Atomics.store(view, 0, 1);
      if (!o.quiet) process.stderr.write(`\nvmsa-check: ${sig}: stopping; writing what was found (${sig} again quits at once)\n`);
      for (const l of listeners.splice(0)) l();
    };
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  // A signal that came while the program was loading (early-signals.ts) stops the run now.
  const early = takeEarlySignal();
  if (early !== null) handlers.find(([sig]) => sig === early)![1]();
  return {
    word,
    get signal() {
      return signal;
    },
    onStop(listener) {
      if (signal !== null) listener();
      else listeners.push(listener);
    },
    dispose() {
      for (const [sig, h] of handlers) process.off(sig, h);
    },
  };
}
