import { isRoleArn } from '../model/arns.js';
import { shownPath, usage, type Problem } from './problems.js';
import type { ConfigFlags } from './types.js';

// Checks of flags that every config path (file or flags, iamserviceaccount or podidentityassociation) makes the same way.

/** --cfn-role-arn is not part of any ClusterConfig, but a wrong one is bad usage like the rest: listed with them. */
export function cfnRoleArnProblems(flags: ConfigFlags): Problem[] {
  if (flags.cfnRoleArn === undefined || isRoleArn(flags.cfnRoleArn)) return [];
  return [usage('--cfn-role-arn', `"${flags.cfnRoleArn}" is not an IAM role ARN`, 'pass arn:<partition>:iam::<12-digit account>:role/<name>, the role CloudFormation should act as')];
}

/** --region with -f: the file decides the region, so a different --region is a contradiction. */
export function regionMismatchProblems(flags: ConfigFlags, fileRegion: string | undefined, path: string): Problem[] {
  if (flags.region === undefined || fileRegion === undefined || flags.region === fileRegion) return [];
  return [usage('--region', `"${flags.region}" differs from metadata.region "${fileRegion}" in ${shownPath(path)}`, 'drop --region (the file decides the region) or change metadata.region')];
}
