import type { Plan, ServiceAccountPlan, StackStep, ServiceAccountStep } from './plan.js';
import { formatDiff } from '../cfn/diff.js';
import { formatDrift } from '../cfn/role-drift.js';
import type { ItemResult, PruneItem } from './results.js';
import { table } from '../output/format.js';
import { describeMaker } from '../cfn/stack-maker.js';

// Pure renderings of a plan and of results: machine form (json/yaml) and text for people.

/** apply --prune/--prune-all: what it deletes and what it leaves, under which scope. */
export interface PrunePlan {
  scope: 'apply-set' | 'all';
  /** the apply set this file's stacks are tagged with */
  applySet?: string;
  delete: PruneItem[];
  keep: PruneItem[];
}

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
  unchanged: number;
  /** blocked, or someone else's stack under this service account's name */
  cannotAct: number;
}

/** Per service account: stacks (or, without one, ServiceAccounts) made, changed or replaced; prune deletions. */
export function summarize(plan: Plan, prune?: PrunePlan): PlanSummary {
  const s: PlanSummary = { create: 0, update: 0, delete: prune?.delete.length ?? 0, unchanged: 0, cannotAct: 0 };
  for (const i of plan.items) {
    if (i.stack.action === 'blocked' || i.stack.action === 'foreign') s.cannotAct++;
    else if (i.stack.action === 'create' || (i.stack.action === 'none' && i.serviceAccount.action === 'create')) s.create++;
    else if (hasChange(i)) s.update++;
    else s.unchanged++;
  }
  return s;
}

export function summaryText(s: PlanSummary): string {
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged${s.cannotAct > 0 ? `, ${s.cannotAct} cannot act` : ''}.`;
}

export function planToData(plan: Plan, prune?: PrunePlan) {
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
      ...(i.drift ? { drift: { role: i.drift.roleName, changes: formatDrift(i.drift.items), items: i.drift.items } } : {}),
    })),
    ...(prune ? { pruneScope: prune.scope, ...(prune.applySet !== undefined ? { applySet: prune.applySet } : {}), prune: prune.delete, notPruned: prune.keep } : {}),
    summary: summarize(plan, prune),
  };
}

/** The step as the plan document shows it: the template is shown once, beside the service account, not in the step. */
function stackData(s: StackStep) {
  switch (s.action) {
    case 'update':
      return { action: s.action, changes: formatDiff(s.diff, s.tags), diff: s.diff, tags: s.tags };
    case 'create':
    case 'replace': {
      const { template: _sent, ...shown } = s;
      return shown;
    }
    default:
      return s;
  }
}

export function countChanges(plan: Plan): number {
  return (plan.oidcProvider.action === 'create' ? 1 : 0) + plan.items.filter(hasChange).length;
}

export function hasChange(i: ServiceAccountPlan): boolean {
  return ['create', 'update', 'replace'].includes(i.stack.action) || i.drift !== undefined || ['create', 'annotate'].includes(i.serviceAccount.action);
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
      return i.drift ? `stack up to date (${s.status}), but its role differs from it: restore role ${i.drift.roleName} through IAM` : `stack up to date (${s.status})`;
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

export function planToText(plan: Plan, prune?: PrunePlan): string {
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
    for (const d of i.drift ? formatDrift(i.drift.items) : []) lines.push(`        ${d}`);
  }
  const deletes = prune?.delete ?? [];
  for (const p of deletes) {
    lines.push(`  - ${p.namespace}/${p.name}: delete stack ${p.stackName}; release serviceaccount`);
    lines.push(`        made by ${describeMaker(p.madeBy)}; deleted because ${p.reason}`);
  }
  if (prune && prune.keep.length > 0) {
    lines.push(`  Not pruned (${prune.scope === 'apply-set' ? `--prune deletes only stacks of apply set "${prune.applySet ?? ''}"` : '--prune-all'}):`);
    for (const p of prune.keep) lines.push(`    ${p.namespace}/${p.name}: stack ${p.stackName}, made by ${describeMaker(p.madeBy)}; kept: ${p.reason}`);
  }
  const n = countChanges(plan) + deletes.length;
  lines.push(`${n} change${n === 1 ? '' : 's'} planned for ${plan.items.length + deletes.length} service account${plan.items.length + deletes.length === 1 ? '' : 's'}.`);
  lines.push(summaryText(summarize(plan, prune)));
  return lines.join('\n') + '\n';
}

export function resultsToText(results: ItemResult[]): string {
  if (results.length === 0) return 'No service accounts were selected.\n';
  return table(
    ['NAMESPACE', 'NAME', 'STACK', 'SERVICEACCOUNT', 'ROLE ARN'],
    results.map((r) => [r.namespace, r.name, r.stack, r.serviceAccount, r.roleArn ?? '-']),
  );
}
