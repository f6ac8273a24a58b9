// Parent links: for every visited state (numbered in discovery order) the
// number of its parent and the index of the step, in the parent's
// deterministic step list, that led to it. A trace is rebuilt by following the
// links back and replaying the steps from the initial state (see trace.ts).
// 6 bytes per visited state.

const ROOT = 0xffffffff;

export interface Path {
  /** Index of the initial state in model.initStates(). */
  init: number;
  /** Step indices, from the initial state onwards. */
  steps: number[];
}

export class ParentLinks {
  private parent = new Uint32Array(1 << 16);
  private step = new Uint16Array(1 << 16);
  private n = 0;

  get size(): number {
    return this.n;
  }

  get bytes(): number {
    return this.parent.byteLength + this.step.byteLength;
  }

  addRoot(initIndex: number): number {
    return this.push(ROOT, initIndex);
  }

  add(parentOrdinal: number, stepIndex: number): number {
    if (stepIndex > 0xffff) throw new Error(`a state has more than 65535 enabled steps (${stepIndex})`);
    return this.push(parentOrdinal, stepIndex);
  }

  /** Forgets every state numbered n or above (a level that is redone). */
  truncate(n: number): void {
    if (n < 0 || n > this.n) throw new Error(`cannot truncate ${this.n} parent links to ${n}`);
    this.n = n;
  }

  snapshot(): { parent: Uint32Array; step: Uint16Array } {
    return { parent: this.parent.subarray(0, this.n), step: this.step.subarray(0, this.n) };
  }

  static restore(parent: Uint32Array, step: Uint16Array): ParentLinks {
    const links = new ParentLinks();
    let cap = links.parent.length;
    while (cap < parent.length) cap *= 2;
    links.parent = new Uint32Array(cap);
    links.parent.set(parent);
    links.step = new Uint16Array(cap);
    links.step.set(step);
    links.n = parent.length;
    return links;
  }

  path(ordinal: number): Path {
    const steps: number[] = [];
    let o = ordinal;
    while (this.parent[o] !== ROOT) {
      steps.push(this.step[o]!);
      o = this.parent[o]!;
    }
    steps.reverse();
    return { init: this.step[o]!, steps };
  }

  private push(parent: number, step: number): number {
    if (this.n === this.parent.length) {
      const p = new Uint32Array(this.n * 2);
      p.set(this.parent);
      this.parent = p;
      const s = new Uint16Array(this.n * 2);
      s.set(this.step);
      this.step = s;
    }
    this.parent[this.n] = parent;
    this.step[this.n] = step;
    return this.n++;
  }
}
