// Types for policy-sources.mjs (plain JS so that the refresh script runs on Node without a build step).
export interface Extract {
  kind: 'json' | 'markdown' | 'heredoc' | 'cloudformation' | 'managed';
  after?: string;
  index?: number;
  lang?: string;
  /** cloudformation: the resource type whose PolicyDocument statements are taken (default AWS::IAM::ManagedPolicy) */
  resourceType?: string;
  /** managed: the AWS-managed policy names the source must name */
  names?: string[];
}
export interface EksctlWellKnownEntry {
  managed: string[];
  inline: { logicalId: string; statements: string }[];
}
export function sha256(text: string): string;
export function documentSha256(value: unknown): string;
export function parseEksctlStatements(src: string): Record<string, unknown[]>;
export function parseEksctlWellKnown(iamHelperGo: string, iamGo: string): Record<string, EksctlWellKnownEntry>;
export function extractDocument(text: string, extract: Extract): unknown;
export function extractManagedPolicies(text: string, extract: Extract): string[];
export function checkActionsIn(text: string, statement: { Action?: unknown }, where: string): void;
