import { singleLine } from '../output/terminal.js';
import type { Finding, MigrationPlan, MigrationStep, ServiceAccountPlan } from './plan.js';

// The migration's plan and results: as text (one block per ServiceAccount, then a summary) and as the stable
// -o json document (every key always present).

export interface StepOutcome {
  action: MigrationStep['action'];
  outcome: 'done' | 'unchanged' | 'failed' | 'skipped';
  detail?: string;
}

export interface ItemOutcome {
  id: string;
  steps: StepOutcome[];
  error?: { message: string; hint?: string };
}

const via = (s: MigrationStep): string => ('via' in s ? (s.via === 'stack' ? `, through stack ${s.stackName}` : `, through IAM (UpdateAssumeRolePolicy on ${s.roleName})`) : '');

/** One step in words; `itemRole`, the ServiceAccount's role, is said "the role" (the text names it once, above its steps). */
export function describeStep(s: MigrationStep, itemRole?: string): string {
  const role = (arn: string) => (arn === itemRole ? 'the role' : `role ${arn}`);
  switch (s.action) {
    case 'add-pod-identity-trust':
      return `add trust for pods.eks.amazonaws.com (sts:AssumeRole, sts:TagSession) to ${role(s.roleArn)}${via(s)}`;
    case 'create-association':
      return `create a pod identity association with ${role(s.roleArn)}`;
    case 'verify':
      return `verify (the doctor's Pod Identity checks): the association gives ${role(s.roleArn)}, which trusts pods.eks.amazonaws.com, and the agent runs`;
    case 'remove-annotation':
      return 'remove the eks.amazonaws.com/role-arn annotation';
    case 'remove-oidc-trust':
      return `remove its OIDC provider trust from ${role(s.roleArn)}${via(s)}`;
    case 'restore-annotation':
      return `put back the annotation eks.amazonaws.com/role-arn: ${s.roleArn}`;
    case 'restore-oidc-trust':
      return `put back its OIDC provider trust in ${role(s.roleArn)}${via(s)}`;
    case 'delete-association':
      return `delete the pod identity association ${s.associationId}`;
    case 'remove-pod-identity-trust':
      return `remove the migration's pods.eks.amazonaws.com trust from ${role(s.roleArn)}${via(s)}`;
  }
}

const findingLine = (f: Finding): string => (f.fix !== undefined ? `${f.message} — fix: ${f.fix}` : f.message);

const STATUS: Record<ServiceAccountPlan['status'], string> = { blocked: 'blocked', changes: 'to change', done: 'nothing to do' };

export function summarize(plan: MigrationPlan): { total: number; changes: number; done: number; blocked: number } {
  const count = (s: ServiceAccountPlan['status']) => plan.items.filter((i) => i.status === s).length;
  return { total: plan.items.length, changes: count('changes'), done: count('done'), blocked: count('blocked') };
}

export function renderPlanText(plan: MigrationPlan, results?: readonly ItemOutcome[]): string {
  const lines: string[] = [];
  const what = plan.mode === 'rollback' ? 'back to IRSA' : `to EKS Pod Identity${plan.cutOver ? ', with cut-over' : ''}`;
  lines.push(singleLine(`${plan.mode === 'rollback' ? 'Rollback' : 'Migration'} of cluster ${plan.cluster} (${plan.region}) ${what}${results === undefined ? ': plan' : ''}`));
  for (const w of plan.warnings) lines.push(singleLine(`! ${findingLine(w)}`));
  const byId = new Map((results ?? []).map((r) => [r.id, r]));
  for (const item of plan.items) {
    lines.push('');
    const phase = item.phase !== undefined ? `, phase ${item.phase}` : '';
    lines.push(singleLine(`${item.id}: ${STATUS[item.status]}${phase}`));
    if (item.roleArn !== undefined) lines.push(singleLine(`  role ${item.roleArn}`));
    for (const b of item.blockers) lines.push(singleLine(`  ✖ ${findingLine(b)}`));
    for (const w of item.warnings) lines.push(singleLine(`  ! ${findingLine(w)}`));
    const outcomes = byId.get(item.id)?.steps ?? [];
    item.steps.forEach((s, i) => {
      const o = outcomes.find((x) => x.action === s.action);
      const mark = o === undefined ? (s.action === 'verify' ? '?' : '+') : o.outcome === 'failed' ? '✖' : o.outcome === 'skipped' ? '-' : '✔';
      const suffix = o === undefined ? '' : o.outcome === 'unchanged' ? ' (was so already)' : o.outcome === 'skipped' ? ' (skipped)' : o.outcome === 'failed' ? `: ${o.detail ?? 'failed'}` : '';
      lines.push(singleLine(`  ${mark} ${i + 1}. ${describeStep(s, item.roleArn)}${suffix}`));
    });
    const error = byId.get(item.id)?.error;
    if (error?.hint !== undefined) lines.push(singleLine(`    hint: ${error.hint}`));
  }
  const sum = summarize(plan);
  lines.push('');
  if (results === undefined) {
    const subject = plan.mode === 'rollback' ? 'to roll back' : 'to migrate';
    lines.push(`${sum.total} ServiceAccount(s): ${sum.changes} ${subject}, ${sum.done} with nothing to do, ${sum.blocked} blocked (skipped).`);
  } else {
    const failed = results.filter((r) => r.error !== undefined).length;
    lines.push(`${sum.total} ServiceAccount(s): ${results.length - failed} finished, ${failed} stopped at a failed step, ${sum.blocked} blocked (skipped).`);
  }
  if (results === undefined && sum.changes > 0) lines.push('Nothing was changed. Run the same command with --approve to make these changes.');
  return `${lines.join('\n')}\n`;
}

export function planToJson(plan: MigrationPlan, results?: readonly ItemOutcome[]): unknown {
  const byId = new Map((results ?? []).map((r) => [r.id, r]));
  const finding = (f: Finding) => ({ code: f.code, message: f.message, fix: f.fix ?? null });
  return {
    mode: plan.mode,
    cluster: plan.cluster,
    region: plan.region,
    cutOver: plan.cutOver,
    approved: results !== undefined,
    warnings: plan.warnings.map(finding),
    serviceAccounts: plan.items.map((i) => ({
      id: i.id,
      namespace: i.namespace,
      name: i.name,
      roleArn: i.roleArn ?? null,
      phase: i.phase ?? null,
      status: i.status,
      blockers: i.blockers.map(finding),
      warnings: i.warnings.map(finding),
      steps: i.steps.map((s) => {
        const o = byId.get(i.id)?.steps.find((x) => x.action === s.action);
        return { ...s, description: describeStep(s), outcome: o?.outcome ?? null, detail: o?.detail ?? null };
      }),
      error: byId.get(i.id)?.error ?? null,
    })),
    summary: summarize(plan),
  };
}
