import { stackNameFor } from '../model/naming.js';
import type { ClusterModel } from '../model/service-account.js';
import { saId } from '../model/service-account.js';

type Add = (path: readonly (string | number)[], what: string, fix: string) => void;

/**
 * eksctl's stack name joins namespace and name with "-", so `a-b/c` and `a/b-c` share one stack: the second would
 * take the first's role. Two such entries in one file are a configuration error (entries without a stack, i.e.
 * with attachRoleARN, cannot collide). Identical `<ns>/<name>` pairs are the duplicate check's, not this one's.
 */
export function checkStackNameCollisions(model: ClusterModel, add: Add): void {
  const firstByStack = new Map<string, { index: number; id: string }>();
  model.serviceAccounts.forEach((sa, i) => {
    if (sa.attachRoleARN !== undefined || sa.name === '') return;
    const id = saId(sa);
    const stack = stackNameFor(model.name, sa);
    const first = firstByStack.get(stack);
    if (first === undefined) firstByStack.set(stack, { index: i, id });
    else if (first.id !== id) {
      add(
        ['iam', 'serviceAccounts', i, 'metadata'],
        `${id} and ${first.id} (iam.serviceAccounts[${first.index}]) would share the CloudFormation stack ${stack}: eksctl joins namespace and name with "-"`,
        'give one of the two another namespace or name',
      );
    }
  });
}
