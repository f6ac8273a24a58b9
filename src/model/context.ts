// What every kernel function of the model needs to know about the instance.

import type { Knobs, Variant, VmsaConfig } from './config.js';
import { apRequestTargets, vcpuSetMembers } from './vcpu-set.js';

export interface Ctx {
  readonly cfg: VmsaConfig;
  readonly k: Knobs;
  readonly variant: Variant;
  /** SEV-SNP (else SEV-ES). */
  readonly snp: boolean;
  /** Number of vCPUs. */
  readonly n: number;
  /** Number of guest frame numbers backed by guest_memfd (SNP; 0 for ES). */
  readonly gfns: number;
  /** Whose guest may issue AP-creation VMGEXITs (knob apCreators), by vCPU. */
  readonly apCreator: readonly boolean[];
  /** The targets vCPU v's guest may name, increasing (apCreators, apTargets, allowSelfTarget). */
  readonly apTargetsOf: readonly (readonly number[])[];
}

export function makeCtx(cfg: VmsaConfig): Ctx {
  return {
    cfg,
    k: cfg.knobs,
    variant: cfg.variant,
    snp: cfg.vm === 'snp',
    n: cfg.vcpus,
    gfns: cfg.vm === 'snp' ? cfg.gfns : 0,
    apCreator: vcpuSetMembers(cfg.knobs.apCreators, cfg.vcpus),
    apTargetsOf: apRequestTargets(cfg.knobs, cfg.vcpus),
  };
}
