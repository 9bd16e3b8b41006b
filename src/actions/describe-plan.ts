import type { Plan, ServiceAccountPlan, StackStep, ServiceAccountStep } from './plan.js';
import { formatDiff } from '../cfn/diff.js';
import type { ItemResult } from './execute.js';
import { table } from '../output/format.js';

/** Pure renderings of a plan and of results: machine form (json/yaml) and text for people. */

/** A stack apply --prune would delete: in the cluster, no longer in the file. */
export interface PruneItem {
  namespace: string;
  name: string;
  stackName: string;
  roleArn?: string;
}

export function planToData(plan: Plan, prune: PruneItem[] = []) {
  return {
    cluster: plan.cluster,
    region: plan.region,
    oidcProvider: plan.oidcProvider,
    serviceAccounts: plan.items.map((i) => ({
      namespace: i.spec.namespace,
      name: i.spec.name,
      stackName: i.template ? i.stackName : undefined,
      stackTags: i.template ? i.stackTags : undefined,
      capabilities: i.template ? i.capabilities : undefined,
      template: i.template,
      roleArn: i.roleArn,
      stack: stackData(i.stack),
      serviceAccount: i.serviceAccount,
    })),
    ...(prune.length > 0 ? { prune } : {}),
  };
}

function stackData(s: StackStep) {
  if (s.action !== 'update') return s;
  return { action: s.action, changes: formatDiff(s.diff, s.tags), diff: s.diff, tags: s.tags };
}

export function countChanges(plan: Plan): number {
  return (plan.oidcProvider.action === 'create' ? 1 : 0) + plan.items.filter(hasChange).length;
}

export function hasChange(i: ServiceAccountPlan): boolean {
  return ['create', 'update', 'replace'].includes(i.stack.action) || ['create', 'annotate'].includes(i.serviceAccount.action);
}

function stackText(i: ServiceAccountPlan): string {
  const s = i.stack;
  switch (s.action) {
    case 'none':
      return `no stack (role ${i.roleArn})`;
    case 'create':
      return `create stack ${i.stackName}`;
    case 'exists':
      return s.differs ? `stack exists (${s.status}) and differs from what was asked (create leaves it as it is)` : `stack exists (${s.status})`;
    case 'unchanged':
      return `stack up to date (${s.status})`;
    case 'update':
      return `update stack ${i.stackName}`;
    case 'replace':
      return `replace stack ${i.stackName} (${s.status}${s.reason ? `: ${s.reason}` : ''})`;
    case 'skip':
      return 'skip: the serviceaccount exists';
    case 'blocked':
      return `cannot act: stack is ${s.status}${s.reason ? ` (${s.reason})` : ''}${s.nextStep ? ` — ${s.nextStep}` : ''}`;
    case 'foreign':
      return `cannot act: ${s.message} — ${s.hint}`;
  }
}

function saText(s: ServiceAccountStep, roleArn: string | undefined): string {
  switch (s.action) {
    case 'create':
      return 'create serviceaccount';
    case 'annotate':
      if (!s.previousRoleArn) return 'annotate existing serviceaccount';
      if (s.previousRoleArn === roleArn) return "update the serviceaccount's labels/annotations";
      return `re-annotate serviceaccount (was ${s.previousRoleArn})`;
    case 'unchanged':
      return 'serviceaccount up to date';
    case 'skip':
      return s.reason === 'role-only' ? 'role only: serviceaccount untouched' : 'serviceaccount exists: untouched (use --override-existing-serviceaccounts)';
  }
}

export function planToText(plan: Plan, prune: PruneItem[] = []): string {
  const lines = [`Plan for cluster "${plan.cluster}" in ${plan.region}:`];
  lines.push(
    plan.oidcProvider.action === 'create'
      ? `  + create IAM OIDC provider ${plan.oidcProvider.arn}`
      : `    IAM OIDC provider ${plan.oidcProvider.arn} exists`,
  );
  for (const i of plan.items) {
    const mark = i.stack.action === 'blocked' || i.stack.action === 'foreign' ? '!' : i.stack.action === 'create' || i.serviceAccount.action === 'create' ? '+' : hasChange(i) ? '~' : '=';
    lines.push(`  ${mark} ${i.id}: ${stackText(i)}; ${saText(i.serviceAccount, i.roleArn)}`);
    if (i.stack.action === 'update') for (const d of formatDiff(i.stack.diff, i.stack.tags)) lines.push(`        ${d}`);
    if (i.stack.action === 'exists') for (const d of i.stack.differs ?? []) lines.push(`        ${d}`);
  }
  for (const p of prune) lines.push(`  - ${p.namespace}/${p.name}: delete stack ${p.stackName} (no longer in the file); release serviceaccount`);
  const n = countChanges(plan) + prune.length;
  lines.push(`${n} change${n === 1 ? '' : 's'} planned for ${plan.items.length + prune.length} service account${plan.items.length + prune.length === 1 ? '' : 's'}.`);
  return lines.join('\n') + '\n';
}

export function resultsToText(results: ItemResult[]): string {
  if (results.length === 0) return 'No service accounts were selected.\n';
  return table(
    ['NAMESPACE', 'NAME', 'STACK', 'SERVICEACCOUNT', 'ROLE ARN'],
    results.map((r) => [r.namespace, r.name, r.stack, r.serviceAccount, r.roleArn ?? '-']),
  );
}
