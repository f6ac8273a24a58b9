// A knob whose value is a set of vCPUs (apCreators, apTargets): "all", or a
// list of distinct vCPU ids. One representation everywhere: on the command
// line `--knob apTargets=1,2` (or `=all`), in JSON files the array [1, 2] (or
// the string "all"). Which sender may name which target follows from the
// two sets and allowSelfTarget (apRequestTargets), for the steps, the
// validation and the partial-order declaration alike.

/** "all" (the default: every vCPU), or distinct vCPU ids. */
export type VcpuSet = 'all' | readonly number[];

export const ALL_VCPUS: VcpuSet = 'all';

/** The command-line form "all" or "1,2" (ids as written), or null when malformed. */
export function parseVcpuSet(text: string): VcpuSet | null {
  if (text === 'all') return 'all';
  if (!/^\d+(,\d+)*$/.test(text)) return null;
  return text.split(',').map(Number);
}

/** Why `value` is not a vCPU set for a VM of `vcpus` vCPUs, or null when it is. */
export function vcpuSetProblem(value: unknown, vcpus: number): string | null {
  const rule = `must be "all" or a non-empty list of distinct vCPU ids from 0 to ${vcpus - 1} (vCPU 0 is the BSP)`;
  if (value === 'all') return null;
  if (!Array.isArray(value) || value.length === 0) return `${rule} (got ${JSON.stringify(value)})`;
  if (!value.every((v) => Number.isInteger(v) && v >= 0 && v < vcpus)) return `${rule} (got ${JSON.stringify(value)})`;
  if (new Set(value).size !== value.length) return `${rule}, each once (got ${JSON.stringify(value)})`;
  return null;
}

/** Membership, vCPU by vCPU. */
export function vcpuSetMembers(set: VcpuSet, vcpus: number): boolean[] {
  return Array.from({ length: vcpus }, (_, v) => set === 'all' || set.includes(v));
}

/** "all" or "1,2", as `--knob` takes it. */
export const showVcpuSet = (set: VcpuSet): string => (set === 'all' ? 'all' : set.join(','));

export interface ApRequestKnobs {
  apCreators: VcpuSet;
  apTargets: VcpuSet;
  allowSelfTarget: boolean;
}

/**
 * For each vCPU, the vCPUs its guest may name in an AP-creation request
 * (in increasing order; empty when it sends none): a creator may name any
 * target except itself, unless allowSelfTarget.
 */
export function apRequestTargets(k: ApRequestKnobs, vcpus: number): number[][] {
  const creator = vcpuSetMembers(k.apCreators, vcpus);
  const target = vcpuSetMembers(k.apTargets, vcpus);
  return Array.from({ length: vcpus }, (_, v) =>
    creator[v] ? [...Array(vcpus).keys()].filter((t) => target[t] && (t !== v || k.allowSelfTarget)) : [],
  );
}
