import type { OidcInfo } from './oidc.js';

// IAM ARNs as irsactl reads them: one pattern per kind, so that the loader, the flags and the doctor agree.

export interface ParsedRoleArn {
  arn: string;
  partition: string;
  accountId: string;
  /** the last path segment: what GetRole takes */
  name: string;
}

const ACCOUNT_ID = /^\d{12}$/;
export const isAccountId = (s: string): boolean => ACCOUNT_ID.test(s);

// The loader's shape check is looser than parseRoleArn on purpose: eksctl's own examples use placeholder accounts
// such as 123, which the loader warns about rather than rejects.
const IAM_ARN_SHAPE = { policy: /^arn:[a-z][a-z0-9-]*:iam::([^:]*):policy\/.+$/, role: /^arn:[a-z][a-z0-9-]*:iam::([^:]*):role\/.+$/ };

/** The account field of an ARN of an IAM policy or role, as written (possibly not 12 digits); undefined if not that shape. */
export function iamArnAccount(arn: string, type: 'policy' | 'role'): string | undefined {
  return IAM_ARN_SHAPE[type].exec(arn)?.[1];
}

// The name's length is not checked here: GetRole says whether the role exists (CloudFormation-generated names
// that IAM truncates to 64 characters are not truncated by every emulator).
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]+)$/;

export function parseRoleArn(arn: string): ParsedRoleArn | undefined {
  const m = ROLE_ARN.exec(arn.trim());
  if (!m) return undefined;
  return { arn: arn.trim(), partition: m[1], accountId: m[2], name: m[3] };
}

/** Whether a string is an IAM role ARN in a 12-digit account (--cfn-role-arn, the role-arn annotation). */
export const isRoleArn = (arn: string): boolean => parseRoleArn(arn) !== undefined;

/** The provider ARN the role must trust: this cluster's issuer, in the role's account (cross-account IRSA). */
export function providerArnFor(oidc: OidcInfo, roleAccount: string): string {
  return `arn:${oidc.partition}:iam::${roleAccount}:oidc-provider/${oidc.issuerHostPath}`;
}
