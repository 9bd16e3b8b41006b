import type { Plan, ServiceAccountPlan, ServiceAccountStep, StackStep } from './plan.js';
import { formatDiff } from '../cfn/diff.js';
import { formatDrift } from '../cfn/role-drift.js';
import type { ItemResult } from './results.js';
import { table } from '../output/format.js';
import { describeMaker } from '../cfn/stack-maker.js';
import { itemAction, summaryOf, type PrunePlan } from './run-document.js';

export type { PrunePlan } from './run-document.js';
import type { RunSummary } from '../output/run-document.js';

// Pure renderings of a plan and of results for people; the machine form (json/yaml) is run-document.ts's.

export type PlanSummary = Omit<RunSummary, 'outcomes'>;

/** Per service account: stacks (or, without one, ServiceAccounts) made, changed or replaced; prune deletions. */
export function summarize(plan: Plan, prune?: PrunePlan): PlanSummary {
  return summaryOf([...plan.items.map(itemAction), ...(prune?.delete ?? []).map(() => 'delete' as const)]);
}

export function summaryText(s: PlanSummary): string {
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged${s.cannotAct > 0 ? `, ${s.cannotAct} cannot act` : ''}.`;
}

export function countChanges(plan: Plan): number {
  return (plan.oidcProvider.action === 'create' ? 1 : 0) + plan.items.filter(hasChange).length;
}

export function hasChange(i: ServiceAccountPlan): boolean {
  return ['create', 'update', 'replace'].includes(i.stack.action) || i.drift !== undefined || ['create', 'annotate'].includes(i.serviceAccount.action);
}

function stackText(i: ServiceAccountPlan): string {
  if (i.stack.action === 'unchanged' && i.drift) return `stack up to date (${i.stack.status}), but its role differs from it: restore role ${i.drift.roleName} through IAM`;
  if (i.stack.action === 'skip') return 'skip: the serviceaccount exists';
  return stackStepText(i.stack, i.stackName, i.roleArn);
}

/** A role stack's step in words, for either kind of item. */
export function stackStepText(s: StackStep, stackName: string, roleArn: string | undefined): string {
  switch (s.action) {
    case 'none':
      return `no stack (role ${roleArn ?? ''})`;
    case 'create':
      return `create stack ${stackName}`;
    case 'exists':
      return s.differs ? `stack exists (${s.status}) and differs from what was asked (create leaves it as it is)` : `stack exists (${s.status})`;
    case 'unchanged':
      return `stack up to date (${s.status})`;
    case 'update':
      return `update stack ${stackName}`;
    case 'replace':
      return `replace stack ${stackName} (${s.status}${s.reason ? `: ${s.reason}` : ''})`;
    case 'skip':
      return 'skip';
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
  if (plan.oidcProvider.needed) {
    lines.push(
      plan.oidcProvider.action === 'create'
        ? `  + create IAM OIDC provider ${plan.oidcProvider.arn}`
        : `    IAM OIDC provider ${plan.oidcProvider.arn} exists`,
    );
  }
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
