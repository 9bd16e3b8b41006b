import type { IamPort } from '../aws/ports.js';
import type { DesiredRole, DriftItem, LiveRole } from '../cfn/role-drift.js';
import { IrsaError } from '../errors.js';
import type { Narrator } from '../output/reporter.js';
import type { RoleDrift } from './stack-step.js';

// The drift check's reads and repairs. CloudFormation does not undo a change made to a role outside it (its
// template did not change, so an update has nothing to do), so irsactl restores the role directly through IAM,
// one write per difference, and the role stays its stack's: the stack's template already says what the role is,
// so nothing is re-imported and the next plan finds nothing. A deleted role is instead a stack replacement (plan.ts).

/** The role name in `arn:aws:iam::123:role/path/name`. */
export const roleNameFromArn = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);

/** GetRole, ListAttachedRolePolicies, ListRolePolicies, then GetRolePolicy per inline policy; 'missing' when the role is gone. */
export async function readLiveRole(iam: IamPort, roleArn: string): Promise<LiveRole | 'missing'> {
  const name = roleNameFromArn(roleArn);
  const role = await iam.getRole(name);
  if (role === undefined) return 'missing';
  const [managedPolicyArns, names] = await Promise.all([iam.listAttachedRolePolicyArns(name), iam.listRolePolicyNames(name)]);
  const documents = await Promise.all(names.map((n) => iam.getRolePolicy(name, n)));
  return {
    arn: role.arn,
    name,
    trustPolicy: role.trustPolicy,
    ...(role.permissionsBoundary !== undefined ? { permissionsBoundary: role.permissionsBoundary } : {}),
    managedPolicyArns,
    inlinePolicies: Object.fromEntries(names.map((n, i) => [n, documents[i]])),
    tags: role.tags,
  };
}

/**
 * Makes each drifted part of the role what the file says (`desired`), after the stack step: a part the file also
 * changes was CloudFormation's to write, so a policy the file drops is not put back. Returns the IAM writes made.
 */
export async function repairRoleDrift(iam: IamPort, roleName: string, desired: DesiredRole, items: readonly DriftItem[]): Promise<number> {
  let writes = 0;
  const write = async (call: () => Promise<void>) => {
    await call();
    writes++;
  };
  const restoredTags: Record<string, string> = {};
  const removedTags: string[] = [];
  for (const d of items) {
    switch (d.kind) {
      case 'trust-policy':
        await write(() => iam.updateAssumeRolePolicy(roleName, desired.trustPolicy));
        break;
      case 'permissions-boundary': {
        const boundary = desired.permissionsBoundary;
        await write(() => (boundary !== undefined ? iam.putRolePermissionsBoundary(roleName, boundary) : iam.deleteRolePermissionsBoundary(roleName)));
        break;
      }
      case 'managed-policy': {
        const wanted = desired.managedPolicyArns.includes(d.arn);
        if (d.change === 'detached' && wanted) await write(() => iam.attachRolePolicy(roleName, d.arn));
        if (d.change === 'attached' && !wanted) await write(() => iam.detachRolePolicy(roleName, d.arn));
        break;
      }
      case 'inline-policy': {
        const document = desired.inlinePolicies[d.name];
        if (document !== undefined) await write(() => iam.putRolePolicy(roleName, d.name, document));
        else if (d.change !== 'deleted') await write(() => iam.deleteRolePolicy(roleName, d.name));
        break;
      }
      case 'tag': {
        const value = desired.tags[d.key];
        if (value !== undefined) restoredTags[d.key] = value;
        else if (d.change !== 'removed') removedTags.push(d.key);
        break;
      }
    }
  }
  // Tags in one call each way: TagRole and UntagRole take many keys.
  if (removedTags.length > 0) await write(() => iam.untagRole(roleName, removedTags));
  if (Object.keys(restoredTags).length > 0) await write(() => iam.tagRole(roleName, restoredTags));
  return writes;
}

/**
 * The drift step of an iamserviceaccount or pod identity association, after its stack step: the role restored through
 * IAM when the stack was left as it is or updated (a replaced or new stack has a new role, with nothing to repair).
 */
export async function runDriftRepairStep(
  narrator: Narrator,
  iam: IamPort | undefined,
  item: { id: string; drift?: RoleDrift },
  result: { stack: string },
): Promise<void> {
  if (!item.drift || (result.stack !== 'unchanged' && result.stack !== 'updated')) return;
  if (!iam) throw new IrsaError('INTERNAL', 'no IAM client for a drift repair');
  const writes = await repairRoleDrift(iam, item.drift.roleName, item.drift.desired, item.drift.items);
  if (result.stack === 'unchanged') result.stack = 'repaired';
  narrator.ok(`restored role ${item.drift.roleName} through IAM (${writes} write${writes === 1 ? '' : 's'}): it is as the file says again`, item.id);
}
