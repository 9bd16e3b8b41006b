// IAM policy documents as CloudFormation templates hold them: the leaf every template module builds on.

export const POLICY_VERSION = '2012-10-17';

export interface CfnSub {
  'Fn::Sub': string;
}
/** A literal string or one built by Fn::Sub (e.g. a partition-neutral ARN). */
export type CfnString = string | CfnSub;

export interface PolicyStatement {
  [key: string]: unknown;
  Effect: string;
}
export interface PolicyDocument {
  [key: string]: unknown;
  Version: string;
  Statement: PolicyStatement[];
}
