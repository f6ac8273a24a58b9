// Test only: the mailbox model with an invariant, a transition property and
// a cover, so that the in-place path (Model.inPlace) is tested where a
// search must decode the bytes it built to judge them. P = 0 drops inPlace:
// the same model searched through apply and encode, for comparison.

import type { Model } from '../explorer/model.js';
import { ALLOC_PRIVATE, GUEST, Kind, mailboxModel, type MailboxState, type MailboxStep } from './mailbox.js';

export function checkedMailboxModel(n: number, g: number, inPlace: boolean): Model<MailboxState, MailboxStep> {
  const base = mailboxModel(n, g);
  const VMSA = n; // vmsa[i] at n + i, page[g] at 6n - 1 + g (mailbox.ts)
  const PAGE = 6 * n - 1;
  const model: Model<MailboxState, MailboxStep> = {
    ...base,
    name: `mailbox-checked(N=${n}, G=${g}, ${inPlace ? 'in place' : 'apply'})`,
    invariants: [
      {
        id: 'TWO-GUESTS',
        name: 'not-two-guests',
        description: 'vCPUs 0 and 1 never both run a guest VMSA (false: a test target)',
        check: (s) => (s[VMSA] === GUEST && s[VMSA + 1] === GUEST ? 'vcpu0 and vcpu1 both run a guest VMSA' : null),
      },
    ],
    transitionProperties: [
      {
        id: 'TEARDOWN-GUEST',
        name: 'no-teardown-of-a-guest-vmsa',
        description: 'TEARDOWN never frees a guest VMSA (false: a test target)',
        check: (before, step, after) =>
          step.kind === Kind.Teardown && before[VMSA + step.vcpu] === GUEST && after[VMSA + step.vcpu] !== GUEST
            ? `vcpu${step.vcpu} tore down its guest VMSA`
            : null,
      },
    ],
    covers: [
      {
        id: 'PRIVATE-PAGE',
        description: 'some page is made private',
        reached: (s) => {
          for (let p = 1; p <= g; p++) if (s[PAGE + p] === ALLOC_PRIVATE) return true;
          return false;
        },
      },
    ],
  };
  if (!inPlace) delete (model as { inPlace?: unknown }).inPlace;
  return model;
}
