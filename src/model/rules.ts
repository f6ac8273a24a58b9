// Every kind of step the VMSA model has. Steps may only use these names
// (the type checks it), and the coverage test requires each to be taken in
// at least one test configuration, so no step is dead.

export const RULES = [
  'kvm_run/enter',
  'set_mp_state',
  'get_mp_state/init',
  'kvm_run/vm_dead',
  'kvm_run/update_protected_state',
  'kvm_run/init',
  'reload_vmsa/lookup',
  'kvm_run/wake',
  'kvm_run/vmrun',
  'kvm_run/exit',
  'kvm_run/vmexit',
  'vmgexit/ap_creation',
  'vmgexit/ap_creation_invalid',
  'guest/rmpadjust',
  'guest/hlt',
  'ap_creation/lock',
  'ap_creation/write',
  'init_protected/lookup',
  'init_protected/install',
  'es_init_vmcb',
  'es_init_vmcb/install',
  'reload_vmsa/install',
  'dump_vmcb',
  'ioctl/launch_start',
  'ioctl/launch_update_vmsa',
  'ioctl/inject_init',
  'gmem/punch_begin',
  'gmem/free_folio',
  'destroy',
] as const;

export type Rule = (typeof RULES)[number];
