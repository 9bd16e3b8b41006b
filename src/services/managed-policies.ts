import pLimit from 'p-limit';
import type { IamPort } from '../aws/ports.js';
import { wellKnownManagedPolicyArnsIn, type WellKnownParts } from '../cfn/well-known-policies.js';
import { IrsaError } from '../errors.js';

// Issue 17 item 5: the AWS-managed policies a well-known policy attaches by name exist in the aws partition, but not
// always in the others (aws-cn, aws-us-gov, aws-iso* have fewer); CloudFormation would fail the stack late and roll
// it back. So before any change, outside `aws`, one GetPolicy per distinct ARN.

/** One role that attaches well-known managed policies: who it is (for the message) and what it asks for. */
export interface ManagedPolicyUser extends WellKnownParts {
  id: string;
}

/** Throws a PRECONDITION error naming each missing policy, its partition and who asked for it; no-op in `aws`. */
export async function assertManagedPoliciesInPartition(iam: IamPort, partition: string, users: readonly ManagedPolicyUser[]): Promise<void> {
  if (partition === 'aws') return;
  const byArn = new Map<string, string[]>();
  for (const u of users) for (const arn of wellKnownManagedPolicyArnsIn(u, partition)) byArn.set(arn, [...(byArn.get(arn) ?? []), u.id]);
  if (byArn.size === 0) return;
  const limit = pLimit(4);
  const missing = (await Promise.all([...byArn.keys()].map((arn) => limit(async () => ((await iam.policyExists(arn)) ? [] : [arn]))))).flat();
  if (missing.length === 0) return;
  const lines = missing.map((arn) => `${arn} (for ${[...new Set(byArn.get(arn))].join(', ')})`);
  throw new IrsaError('PRECONDITION', `the ${partition} partition has no managed policy ${lines.join('; ')}: a stack attaching it would fail and roll back, so nothing was changed`, {
    hint: `in ${partition}, attach a policy that exists there instead (attachPolicyARNs / permissionPolicyARNs), or use wellKnownPolicyProfile: upstream where the controller publishes its own document`,
  });
}
