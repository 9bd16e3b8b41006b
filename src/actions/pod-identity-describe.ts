import { formatDiff } from '../cfn/diff.js';
import { formatDrift } from '../cfn/role-drift.js';
import { POD_IDENTITY_AGENT_ADDON } from '../model/pod-identity.js';
import { table } from '../output/format.js';
import { formatAssociationChanges, type AgentState, type AssociationStep, type PodIdentityPlan, type PodIdentityPlanItem } from './pod-identity-plan.js';
import { stackStepText } from './describe-plan.js';
import type { PodIdentityDeleteResult, PodIdentityResult } from './results.js';

// Pure renderings of a pod identity plan and its results: machine form (json/yaml) and text for people. Each item
// says its mechanism, so that they can stand next to the iamserviceaccount items of one document.

export const MECHANISM_LABEL = 'Pod Identity';

export function hasPodIdentityChange(i: PodIdentityPlanItem): boolean {
  return ['create', 'update', 'replace'].includes(i.stack.action) || ['create', 'update'].includes(i.association.action) || i.serviceAccount.action === 'create' || i.drift !== undefined;
}

export function cannotAct(i: PodIdentityPlanItem): boolean {
  return i.stack.action === 'blocked' || i.stack.action === 'foreign' || i.association.action === 'foreign' || i.association.action === 'conflict';
}

export function podIdentitySummary(plan: PodIdentityPlan): { create: number; update: number; unchanged: number; cannotAct: number } {
  const s = { create: 0, update: 0, unchanged: 0, cannotAct: 0 };
  for (const i of plan.items) {
    if (cannotAct(i)) s.cannotAct++;
    else if (i.association.action === 'create') s.create++;
    else if (hasPodIdentityChange(i)) s.update++;
    else s.unchanged++;
  }
  return s;
}

function agentText(a: AgentState): string {
  if (a.source === 'auto-mode') return 'agent built in (EKS Auto Mode)';
  if (a.source === 'addon') return `agent: ${POD_IDENTITY_AGENT_ADDON} add-on ${a.status}${a.version ? ` (${a.version})` : ''}`;
  return `no Pod Identity agent (no ${POD_IDENTITY_AGENT_ADDON} add-on, not Auto Mode)`;
}

function associationText(s: AssociationStep, i: PodIdentityPlanItem): string {
  switch (s.action) {
    case 'create':
      return `create association (role ${i.roleArn ?? `of stack ${i.stackName}`}${i.spec.targetRoleARN ? `, target role ${i.spec.targetRoleARN}` : ''})`;
    case 'update':
      return `update association ${s.associationId}`;
    case 'unchanged':
      return `association ${s.associationId} up to date`;
    case 'foreign':
    case 'conflict':
      return `cannot act: ${s.message} — ${s.hint}`;
  }
}

function saText(i: PodIdentityPlanItem): string {
  switch (i.serviceAccount.action) {
    case 'create':
      return 'create serviceaccount';
    case 'unchanged':
      return 'serviceaccount exists';
    case 'none':
      return 'no serviceaccount yet';
  }
}

export function podIdentityItemLines(i: PodIdentityPlanItem): string[] {
  const mark = cannotAct(i) ? '!' : i.association.action === 'create' ? '+' : hasPodIdentityChange(i) ? '~' : '=';
  const lines = [`  ${mark} ${i.id} [${MECHANISM_LABEL}]: ${stackStepText(i.stack, i.stackName, i.roleArn)}; ${associationText(i.association, i)}; ${saText(i)}`];
  if (i.stack.action === 'update') for (const d of formatDiff(i.stack.diff, i.stack.tags)) lines.push(`        ${d}`);
  if (i.stack.action === 'exists') for (const d of i.stack.differs ?? []) lines.push(`        ${d}`);
  if (i.association.action === 'update') for (const d of formatAssociationChanges(i.association.changes)) lines.push(`        ${d}`);
  if (i.drift) for (const d of formatDrift(i.drift.items)) lines.push(`        ${d}`);
  return lines;
}

export function podIdentityPlanToText(plan: PodIdentityPlan): string {
  const lines = [`Plan for cluster "${plan.cluster}" in ${plan.region} (${agentText(plan.agent)}):`];
  for (const i of plan.items) lines.push(...podIdentityItemLines(i));
  const n = plan.items.filter(hasPodIdentityChange).length;
  const s = podIdentitySummary(plan);
  lines.push(`${n} change${n === 1 ? '' : 's'} planned for ${plan.items.length} pod identity association${plan.items.length === 1 ? '' : 's'}.`);
  lines.push(`Plan: ${s.create} to create, ${s.update} to update, ${s.unchanged} unchanged${s.cannotAct > 0 ? `, ${s.cannotAct} cannot act` : ''}.`);
  return lines.join('\n') + '\n';
}

export function podIdentityResultsToText(results: PodIdentityResult[]): string {
  if (results.length === 0) return 'No pod identity associations were selected.\n';
  return table(
    ['NAMESPACE', 'NAME', 'MECHANISM', 'STACK', 'ASSOCIATION', 'SERVICEACCOUNT', 'ROLE ARN'],
    results.map((r) => [r.namespace, r.serviceAccountName, MECHANISM_LABEL, r.stack, r.association, r.serviceAccount, r.roleArn ?? '-']),
  );
}

export function podIdentityDeletesToText(results: PodIdentityDeleteResult[]): string {
  if (results.length === 0) return 'No pod identity associations were selected.\n';
  return table(
    ['NAMESPACE/SERVICEACCOUNT', 'MECHANISM', 'ASSOCIATION', 'STACK', 'SERVICEACCOUNT'],
    results.map((r) => [r.id, MECHANISM_LABEL, r.association, r.stack, r.serviceAccount + (r.note ? ` (${r.note})` : '')]),
  );
}
