import type { CfnString } from './policy.js';
import type { CfnTemplate, PolicyResource, RoleResource } from './template.js';
import { ROLE_LOGICAL_ID } from './template.js';

// Drift made outside CloudFormation: the role as IAM has it against the role the file's template makes. Pure; the
// reads are in src/actions/converge.ts and the repairs in src/actions/repair-drift.ts.

/** A role as IAM has it: GetRole, ListAttachedRolePolicies, ListRolePolicies and GetRolePolicy for each name. */
export interface LiveRole {
  arn: string;
  name: string;
  trustPolicy: unknown;
  permissionsBoundary?: string;
  managedPolicyArns: string[];
  /** by policy name: the parsed document */
  inlinePolicies: Record<string, unknown>;
  tags: Record<string, string>;
}

/** The role the file makes: what CloudFormation leaves on it, stack tags included (CloudFormation propagates them). */
export interface DesiredRole {
  trustPolicy: unknown;
  permissionsBoundary?: string;
  managedPolicyArns: string[];
  inlinePolicies: Record<string, unknown>;
  tags: Record<string, string>;
}

export type DriftItem =
  | { kind: 'trust-policy' }
  | { kind: 'permissions-boundary'; live?: string; desired?: string }
  | { kind: 'managed-policy'; arn: string; change: 'detached' | 'attached' }
  | { kind: 'inline-policy'; name: string; change: 'deleted' | 'added' | 'changed' }
  | { kind: 'tag'; key: string; change: 'removed' | 'added' | 'changed' };

/** The Fn::Sub forms the role templates use (template.ts): ${AWS::Partition} in ARNs, ${AWS::StackName} in policy names. */
function sub(value: CfnString, pseudo: { partition: string; stackName: string }): string {
  if (typeof value === 'string') return value;
  return value['Fn::Sub'].replace(/\$\{AWS::Partition\}/g, pseudo.partition).replace(/\$\{AWS::StackName\}/g, pseudo.stackName);
}

/** A live template (parsed, of unknown shape) with an `AWS::IAM::Role` as Role1: one desiredRoleOf can read. */
export function isRoleTemplate(t: unknown): t is CfnTemplate {
  if (t === null || typeof t !== 'object') return false;
  const role = (t as { Resources?: Record<string, { Type?: unknown; Properties?: unknown }> }).Resources?.[ROLE_LOGICAL_ID];
  return role?.Type === 'AWS::IAM::Role' && role.Properties !== null && typeof role.Properties === 'object';
}

export function desiredRoleOf(
  template: CfnTemplate,
  pseudo: { partition: string; stackName: string },
  stackTags: Record<string, string>,
): DesiredRole {
  const role = template.Resources[ROLE_LOGICAL_ID] as RoleResource;
  const inlinePolicies: Record<string, unknown> = {};
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const policy = resource as PolicyResource;
    inlinePolicies[sub(policy.Properties.PolicyName, pseudo)] = policy.Properties.PolicyDocument;
  }
  return {
    trustPolicy: role.Properties.AssumeRolePolicyDocument,
    ...(role.Properties.PermissionsBoundary !== undefined ? { permissionsBoundary: role.Properties.PermissionsBoundary } : {}),
    managedPolicyArns: (role.Properties.ManagedPolicyArns ?? []).map((a) => sub(a, pseudo)),
    inlinePolicies,
    tags: { ...stackTags },
  };
}

/** JSON with sorted keys: IAM keeps a document's meaning, not its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return `{${Object.keys(obj)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
const sameDocument = (a: unknown, b: unknown): boolean => canonical(a) === canonical(b);

/** Every way the live role differs from the desired one; `ignoreTags` are keys whose value says only which tool wrote the stack. */
export function diffRole(desired: DesiredRole, live: LiveRole, ignoreTags: readonly string[] = []): DriftItem[] {
  const items: DriftItem[] = [];
  if (!sameDocument(desired.trustPolicy, live.trustPolicy)) items.push({ kind: 'trust-policy' });
  if (desired.permissionsBoundary !== live.permissionsBoundary) {
    items.push({
      kind: 'permissions-boundary',
      ...(live.permissionsBoundary !== undefined ? { live: live.permissionsBoundary } : {}),
      ...(desired.permissionsBoundary !== undefined ? { desired: desired.permissionsBoundary } : {}),
    });
  }
  for (const arn of desired.managedPolicyArns) if (!live.managedPolicyArns.includes(arn)) items.push({ kind: 'managed-policy', arn, change: 'detached' });
  for (const arn of live.managedPolicyArns) if (!desired.managedPolicyArns.includes(arn)) items.push({ kind: 'managed-policy', arn, change: 'attached' });
  for (const [name, doc] of Object.entries(desired.inlinePolicies)) {
    if (!(name in live.inlinePolicies)) items.push({ kind: 'inline-policy', name, change: 'deleted' });
    else if (!sameDocument(doc, live.inlinePolicies[name])) items.push({ kind: 'inline-policy', name, change: 'changed' });
  }
  for (const name of Object.keys(live.inlinePolicies)) if (!(name in desired.inlinePolicies)) items.push({ kind: 'inline-policy', name, change: 'added' });
  for (const [key, value] of Object.entries(desired.tags)) {
    if (ignoreTags.includes(key)) continue;
    if (!(key in live.tags)) items.push({ kind: 'tag', key, change: 'removed' });
    else if (live.tags[key] !== value) items.push({ kind: 'tag', key, change: 'changed' });
  }
  for (const key of Object.keys(live.tags)) if (!(key in desired.tags) && !ignoreTags.includes(key)) items.push({ kind: 'tag', key, change: 'added' });
  return items;
}

/** One line per difference, saying what was done outside CloudFormation and what the repair does. */
export function formatDrift(items: readonly DriftItem[]): string[] {
  return items.map((d) => {
    const prefix = 'drift outside CloudFormation: ';
    switch (d.kind) {
      case 'trust-policy':
        return `${prefix}the trust policy was edited; restore it`;
      case 'permissions-boundary':
        return `${prefix}the permissions boundary is ${d.live ?? 'none'}; set it to ${d.desired ?? 'none'}`;
      case 'managed-policy':
        return d.change === 'detached' ? `${prefix}managed policy ${d.arn} was detached; attach it` : `${prefix}managed policy ${d.arn} was attached; detach it`;
      case 'inline-policy':
        return d.change === 'added'
          ? `${prefix}inline policy ${d.name} was added; delete it`
          : `${prefix}inline policy ${d.name} was ${d.change}; put it back`;
      case 'tag':
        return d.change === 'added' ? `${prefix}tag ${d.key} was added; remove it` : `${prefix}tag ${d.key} was ${d.change}; restore it`;
    }
  });
}
