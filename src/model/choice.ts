// Nondeterministic faults without combinatorial boilerplate: a transition is
// written as straight-line kernel code that asks `choose("SNP_LAUNCH_UPDATE
// fails", knob)` at each point where the firmware, the RMP or the allocator
// may fail. `outcomes()` runs it once per distinct sequence of answers that
// the code can actually reach, so only reachable fault combinations become
// steps, and each step's label can name the faults that happened.

/** Returns true when the fault happens on this branch; never when impossible. */
export type Choose = (fault: string, possible: boolean) => boolean;

export interface Outcome<T> {
  faults: string[];
  result: T;
}

const NO_FAULTS: readonly string[] = [];
const NO_ANSWERS: readonly boolean[] = [];

export function outcomes<T>(run: (choose: Choose) => T): Outcome<T>[] {
  const out: Outcome<T>[] = [];
  eachOutcome(run, (faults, result) => out.push({ faults: [...faults], result }));
  return out;
}

/**
 * outcomes() without its list: `visit` is called for each outcome, in the
 * same order. Runs once per transition, so a step that asks nothing (or is
 * asked nothing possible) allocates no answers, faults or queue.
 */
export function eachOutcome<T>(run: (choose: Choose) => T, visit: (faults: readonly string[], result: T) => void): void {
  let queue: boolean[][] | null = null;
  let next = 0;
  let script = NO_ANSWERS;
  for (;;) {
    const s = script;
    let answers: boolean[] | null = null;
    let faults: string[] | null = null;
    const choose: Choose = (fault, possible) => {
      if (!possible) return false;
      answers ??= [];
      const happens = answers.length < s.length ? s[answers.length]! : false;
      answers.push(happens);
      if (happens) (faults ??= []).push(fault);
      return happens;
    };
    const result = run(choose);
    visit(faults ?? NO_FAULTS, result);
    // Every point first answered "no" on this run could also have failed.
    const a = answers as boolean[] | null;
    if (a !== null) for (let j = s.length; j < a.length; j++) (queue ??= []).push([...a.slice(0, j), true]);
    if (queue === null || next === queue.length) return;
    script = queue[next++]!;
  }
}
