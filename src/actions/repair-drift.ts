import type { IamPort } from '../aws/ports.js';
import type { DesiredRole, DriftItem, LiveRole } from '../cfn/role-drift.js';

/**
 * The drift check's reads and repairs. CloudFormation does not undo a change made to a role outside it (its
 * template did not change, so an update has nothing to do), so irsactl restores the role directly through IAM,
 * one write per difference, and the role stays its stack's: the stack's template already says what the role is,
 * so nothing is re-imported and the next plan finds nothing. A deleted role is instead a stack replacement (plan.ts).
 */

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

/** Makes the role what `desired` says, for each difference found; returns the number of IAM writes made. */
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
      case 'permissions-boundary':
        await write(() => (d.desired !== undefined ? iam.putRolePermissionsBoundary(roleName, d.desired) : iam.deleteRolePermissionsBoundary(roleName)));
        break;
      case 'managed-policy':
        await write(() => (d.change === 'detached' ? iam.attachRolePolicy(roleName, d.arn) : iam.detachRolePolicy(roleName, d.arn)));
        break;
      case 'inline-policy':
        await write(() => (d.change === 'added' ? iam.deleteRolePolicy(roleName, d.name) : iam.putRolePolicy(roleName, d.name, desired.inlinePolicies[d.name])));
        break;
      case 'tag':
        if (d.change === 'added') removedTags.push(d.key);
        else restoredTags[d.key] = desired.tags[d.key] ?? '';
        break;
    }
  }
  // Tags in one call each way: TagRole and UntagRole take many keys.
  if (removedTags.length > 0) await write(() => iam.untagRole(roleName, removedTags));
  if (Object.keys(restoredTags).length > 0) await write(() => iam.tagRole(roleName, restoredTags));
  return writes;
}
