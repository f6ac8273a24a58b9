// `vmsa-check list variants|presets|properties|knobs|models`.

import { DEFAULT_KNOBS, KNOB_HELP, VARIANT_DESCRIPTIONS, VARIANTS, type Knobs } from '../model/config.js';
import { makeCtx } from '../model/context.js';
import { PRESETS } from '../model/presets.js';
import { listTestModels } from '../models/index.js';
import { propertyCatalogue } from '../properties/index.js';
import { wrap } from '../report/wrap.js';

export const LISTS = ['variants', 'presets', 'properties', 'knobs', 'models'] as const;
export type ListWhat = (typeof LISTS)[number];

const indent = (text: string): string => wrap(text, 74).map((l) => `    ${l}`).join('\n');

export function list(what: ListWhat): string {
  switch (what) {
    case 'variants':
      return VARIANTS.map((v) => `${v}\n${indent(VARIANT_DESCRIPTIONS[v])}`).join('\n');
    case 'presets':
      return PRESETS.map((p) => `${p.name} [${p.defect}] (${p.vm}, ${p.vcpus} vCPU${p.vcpus > 1 ? 's' : ''})\n${indent(p.description)}`).join('\n');
    case 'properties': {
      const ctx = makeCtx({ variant: 'patch1', vm: 'snp', vcpus: 2, gfns: 1, knobs: DEFAULT_KNOBS });
      return propertyCatalogue(ctx).map((p) => `${p.id} ${p.name}\n${indent(p.description)}`).join('\n');
    }
    case 'knobs':
      return Object.entries(DEFAULT_KNOBS)
        .map(([k, v]) => `${k} (default ${String(v)})\n${indent(KNOB_HELP[k as keyof Knobs])}`)
        .join('\n');
    case 'models':
      return listTestModels().map((m) => `${m.name}\n${indent(m.description)}`).join('\n');
  }
}
