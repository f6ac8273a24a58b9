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

export function outcomes<T>(run: (choose: Choose) => T): Outcome<T>[] {
  const out: Outcome<T>[] = [];
  const queue: boolean[][] = [[]];
  while (queue.length > 0) {
    const script = queue.shift()!;
    const answers: boolean[] = [];
    const faults: string[] = [];
    const choose: Choose = (fault, possible) => {
      if (!possible) return false;
      const happens = answers.length < script.length ? script[answers.length]! : false;
      answers.push(happens);
      if (happens) faults.push(fault);
      return happens;
    };
    const result = run(choose);
    out.push({ faults, result });
    // Every point first answered "no" on this run could also have failed.
    for (let j = script.length; j < answers.length; j++) queue.push([...answers.slice(0, j), true]);
  }
  return out;
}
