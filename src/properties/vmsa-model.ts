// The VMSA model as the explorer checks it: the transition system of
// src/model with the properties of this room. Assembled here because
// properties read the model's state; the model knows nothing of them.

import { vmsaSystem, type VmsaModelOptions, type VmsaSystem } from '../model/index.js';
import type { VmsaConfig } from '../model/config.js';
import { vmsaProperties } from './index.js';

export type VmsaModel = VmsaSystem;

export function vmsaModel(config: VmsaConfig, options: VmsaModelOptions = {}): VmsaModel {
  const system = vmsaSystem(config, options);
  const props = vmsaProperties(system.ctx);
  return { ...system, invariants: props.invariants, transitionProperties: props.transitionProperties };
}

/** The reference implementation (Immutable records), for the differential test. */
export function vmsaReferenceModel(config: VmsaConfig): VmsaModel {
  return vmsaModel(config, { reference: true });
}
