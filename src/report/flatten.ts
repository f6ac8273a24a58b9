// Flattening a model's readable state (Model.show) into "path: value" pairs,
// so reports can print only what a step changed.

export type Flat = Map<string, string>;

function fmt(x: unknown): string {
  if (x === null || x === undefined) return '-';
  if (typeof x === 'string') return x;
  return JSON.stringify(x);
}

/**
 * Arrays of objects with an `id` (or `gfn`) field are keyed by it, so that
 * "vcpus[1].vmsa_pa" reads as "vcpu1.vmsa_pa".
 */
export function flatten(value: unknown, prefix = '', out: Flat = new Map()): Flat {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const rec = item as Record<string, unknown> | null;
      const key =
        rec && typeof rec === 'object' && 'id' in rec
          ? String(rec.id)
          : rec && typeof rec === 'object' && 'gfn' in rec
            ? `gfn${String(rec.gfn)}`
            : `${prefix}[${i}]`;
      flatten(item, key, out);
    });
    return out;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'id' || k === 'gfn') continue;
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
    }
    return out;
  }
  out.set(prefix, fmt(value));
  return out;
}

/** The entries that differ, as "path: before -> after". */
export function diff(before: Flat, after: Flat): string[] {
  const lines: string[] = [];
  for (const [k, v] of after) {
    const old = before.get(k);
    if (old !== v) lines.push(`${k}: ${old ?? '-'} -> ${v}`);
  }
  return lines;
}

/**
 * Locks a thread holds: fields whose name ends in "mutex" and whose value is
 * the actor (show() names a mutex's holder by its thread).
 */
export function locksHeld(flat: Flat, actor: string): string[] {
  const held: string[] = [];
  for (const [k, v] of flat) if (/mutex$/.test(k) && v === actor) held.push(k);
  return held;
}
