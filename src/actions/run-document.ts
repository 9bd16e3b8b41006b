import type { Plan, ServiceAccountPlan, StackStep } from './plan.js';
import type { RoleDrift } from './stack-step.js';
import type { CfnTemplate } from '../cfn/template.js';
import type { DeleteResult, ItemResult, PruneItem } from './results.js';
import { formatDiff } from '../cfn/diff.js';
import { formatDrift } from '../cfn/role-drift.js';
import type { StackMaker } from '../cfn/stack-maker.js';
import {
  RUN_DOCUMENT_API_VERSION,
  type ItemAction,
  type NotPruned,
  type OidcProviderEntry,
  type OutcomeStatus,
  type PodIdentityAgentEntry,
  type RunCommand,
  type RunDocument,
  type RunItem,
  type RunSummary,
} from '../output/run-document.js';

// Pure: plans and results as the run document's items (src/output/run-document.ts). A result is its plan's items,
// each with the outcome added, so a plan and its --approve run can be compared item by item.

/** apply --prune/--prune-all: what it deletes and what it leaves, under which scope. */
export interface PrunePlan {
  scope: 'apply-set' | 'all';
  /** the apply set this file's stacks are tagged with */
  applySet?: string;
  delete: PruneItem[];
  keep: PruneItem[];
}

/** The plan of create, update or apply as a document; with `results`, the Result of executing it. */
export function convergeDocument(
  command: RunCommand,
  plan: Plan,
  prune?: PrunePlan,
  results?: { items: ItemResult[]; pruned: DeleteResult[] },
  podIdentity?: PodIdentitySection,
): RunDocument {
  const planned = plan.items.map(convergeItem);
  const deletes = (prune?.delete ?? []).map(pruneDeleteItem);
  const items = results ? [...withOutcomes(planned, results.items, withConvergeOutcome), ...withOutcomes(deletes, results.pruned, withDeleteOutcome)] : [...planned, ...deletes];
  items.push(...(podIdentity?.items ?? []));
  const p = plan.oidcProvider;
  return runDocument(results ? 'Result' : 'Plan', {
    command,
    cluster: plan.cluster,
    region: plan.region,
    ...(p.needed ? { oidcProvider: { arn: p.arn, exists: p.exists, action: p.action, ...(results ? { outcome: p.action === 'create' ? ('created' as const) : ('exists' as const) } : {}) } } : {}),
    ...(prune ? { prune: { scope: prune.scope, ...(prune.applySet !== undefined ? { applySet: prune.applySet } : {}), notPruned: [...prune.keep, ...(podIdentity?.notPruned ?? [])] } } : {}),
    ...(podIdentity?.agent ? { podIdentityAgent: podIdentity.agent } : {}),
  }, items);
}

/** apply: the pod identity items of the same document (their outcomes already added in a Result), and their agent. */
export interface PodIdentitySection {
  items: RunItem[];
  agent?: PodIdentityAgentEntry;
  notPruned?: NotPruned[];
}

/** What one service account's plan does, as a whole. */
export function itemAction(i: ServiceAccountPlan): ItemAction {
  const s = i.stack.action;
  if (s === 'blocked' || s === 'foreign') return 'cannot-act';
  if (s === 'create' || (s === 'none' && i.serviceAccount.action === 'create')) return 'create';
  if (s === 'replace' || s === 'update') return s;
  if (s === 'skip') return 'skip';
  if (i.drift !== undefined || i.serviceAccount.action === 'create' || i.serviceAccount.action === 'annotate') return 'repair';
  return 'noop';
}

/** What a role stack's plan item shows, for either mechanism: the stack and role sections and their change lines. */
export interface RoleStackItem {
  stack: StackStep;
  stackName: string;
  template?: CfnTemplate;
  stackTags: Record<string, string>;
  capabilities: string[];
  roleArn?: string;
  drift?: RoleDrift;
}

export function roleStackSections(i: RoleStackItem): { stack: RunItem['stack']; role: RunItem['role']; changes: string[] } {
  return {
    stack: {
      ...(i.template || i.stack.action !== 'none' ? { name: i.stackName } : {}),
      ...stackStep(i.stack),
      // the stack as irsactl would make it (none with a role given by ARN)
      ...(i.template ? { tags: i.stackTags, capabilities: i.capabilities, template: { ...i.template } } : {}),
    },
    role: {
      ...(i.roleArn !== undefined ? { arn: i.roleArn } : {}),
      ...(i.drift ? { drift: { name: i.drift.roleName, changes: formatDrift(i.drift.items), items: i.drift.items } } : {}),
    },
    changes: [
      ...(i.stack.action === 'update' ? formatDiff(i.stack.diff, i.stack.tags) : []),
      ...(i.stack.action === 'exists' ? (i.stack.differs ?? []) : []),
      ...(i.drift ? formatDrift(i.drift.items) : []),
    ],
  };
}

/** One service account of a create, update or apply plan. */
export function convergeItem(i: ServiceAccountPlan): RunItem {
  const { stack, role, changes } = roleStackSections(i);
  const sa = i.serviceAccount;
  return {
    id: i.id,
    mechanism: 'irsa',
    action: itemAction(i),
    stack,
    role,
    serviceAccount: {
      namespace: i.spec.namespace,
      name: i.spec.name,
      action: sa.action,
      ...(sa.action === 'annotate' && sa.previousRoleArn !== undefined ? { previousRoleArn: sa.previousRoleArn } : {}),
      ...(sa.action === 'skip' ? { reason: sa.reason } : {}),
    },
    changes,
  };
}

/** The step without what the document shows elsewhere (the template, beside the tags) or in other words (the diff's lines). */
export function stackStep(s: StackStep): Omit<RunItem['stack'], 'name'> {
  switch (s.action) {
    case 'update':
      return { action: s.action, diff: s.diff, tagChanges: s.tags };
    case 'create':
      return { action: s.action };
    case 'replace':
      return { action: s.action, status: s.status, ...(s.reason !== undefined ? { reason: s.reason } : {}) };
    case 'foreign':
      return { action: s.action, status: s.status, owner: s.owner, message: s.message, hint: s.hint };
    default:
      return s;
  }
}

/** A stack to delete (delete, apply --prune), or one that has its name and is someone else's (cannot act). */
export interface DeleteItemInput {
  id: string;
  namespace: string;
  name: string;
  stack?: { name: string; status?: string; madeBy: StackMaker };
  roleArn?: string;
  reason?: string;
  cannotAct?: { stackName: string; status: string; message: string; hint: string };
}

export function deleteItem(t: DeleteItemInput): RunItem {
  const stack: RunItem['stack'] = t.cannotAct
    ? { name: t.cannotAct.stackName, action: 'foreign', status: t.cannotAct.status, message: t.cannotAct.message, hint: t.cannotAct.hint }
    : t.stack
      ? { name: t.stack.name, action: 'delete', ...(t.stack.status !== undefined ? { status: t.stack.status } : {}), madeBy: t.stack.madeBy }
      : { action: 'none' };
  return {
    id: t.id,
    mechanism: 'irsa',
    action: t.cannotAct ? 'cannot-act' : 'delete',
    stack,
    role: t.roleArn !== undefined ? { arn: t.roleArn } : {},
    serviceAccount: { namespace: t.namespace, name: t.name, action: 'release' },
    changes: [],
    ...(t.reason !== undefined ? { reason: t.reason } : {}),
  };
}

export function pruneDeleteItem(p: PruneItem): RunItem {
  return deleteItem({
    id: `${p.namespace}/${p.name}`,
    namespace: p.namespace,
    name: p.name,
    stack: { name: p.stackName, madeBy: p.madeBy },
    ...(p.roleArn !== undefined ? { roleArn: p.roleArn } : {}),
    reason: p.reason,
  });
}

const CHANGED_STACK: readonly ItemResult['stack'][] = ['created', 'updated', 'replaced', 'repaired'];
const CHANGED_SERVICE_ACCOUNT: readonly ItemResult['serviceAccount'][] = ['created', 'annotated'];

/** Did executing this service account's plan change a stack, a role or a ServiceAccount. */
export function convergeChanged(r: ItemResult): boolean {
  return CHANGED_STACK.includes(r.stack) || CHANGED_SERVICE_ACCOUNT.includes(r.serviceAccount);
}

export function deleteChanged(r: DeleteResult): boolean {
  return r.stack === 'deleted' || r.stack === 'delete-requested' || r.serviceAccount === 'deleted' || r.serviceAccount === 'annotation-removed';
}

/** The plan's item with what executing it produced. */
export function withConvergeOutcome(item: RunItem, r: ItemResult): RunItem {
  const status: OutcomeStatus =
    r.stack === 'in-progress' ? 'in-progress' : r.stack === 'not-started' && (!r.error || r.serviceAccount === 'not-started') ? 'not-started' : r.error ? 'failed' : r.stack === 'skipped' ? 'skipped' : 'done';
  const roleArn = r.roleArn ?? item.role.arn;
  return {
    ...item,
    stack: { ...item.stack, outcome: r.stack },
    role: { ...item.role, ...(roleArn !== undefined ? { arn: roleArn } : {}) },
    serviceAccount: { ...item.serviceAccount, outcome: r.serviceAccount },
    outcome: { status, changed: convergeChanged(r), ...errorOf(r.error) },
  };
}

export function withDeleteOutcome(item: RunItem, r: DeleteResult): RunItem {
  const status: OutcomeStatus = r.stack === 'not-started' && r.serviceAccount === 'not-started' && !r.error ? 'not-started' : r.error ? 'failed' : 'done';
  return {
    ...item,
    stack: { ...item.stack, outcome: r.stack },
    serviceAccount: { ...item.serviceAccount, outcome: r.serviceAccount, ...(r.note !== undefined ? { note: r.note } : {}) },
    outcome: { status, changed: deleteChanged(r), ...errorOf(r.error === undefined ? undefined : { message: r.error }) },
  };
}

function errorOf(e: { message: string; hint?: string } | undefined): { message?: string; hint?: string } {
  if (!e) return {};
  return { message: e.message, ...(e.hint !== undefined ? { hint: e.hint } : {}) };
}

/** The counts of `summary`: update counts update, replace and repair; noop and skip are unchanged. */
export function summaryOf(actions: readonly ItemAction[]): Omit<RunSummary, 'outcomes'> {
  const s = { create: 0, update: 0, delete: 0, unchanged: 0, cannotAct: 0 };
  for (const a of actions) {
    if (a === 'create') s.create++;
    else if (a === 'update' || a === 'replace' || a === 'repair') s.update++;
    else if (a === 'delete') s.delete++;
    else if (a === 'cannot-act') s.cannotAct++;
    else s.unchanged++;
  }
  return s;
}

export interface DocumentHead {
  command: RunCommand;
  cluster: string;
  region: string;
  oidcProvider?: OidcProviderEntry;
  prune?: { scope: 'apply-set' | 'all'; applySet?: string; notPruned: NotPruned[] };
  podIdentityAgent?: PodIdentityAgentEntry;
}

/** A Plan (items without outcomes) or a Result (every item with its outcome). */
export function runDocument(kind: RunDocument['kind'], head: DocumentHead, items: RunItem[]): RunDocument {
  const summary: RunSummary = summaryOf(items.map((i) => i.action));
  if (kind === 'Result') {
    const outcomes: Record<OutcomeStatus, number> = { done: 0, failed: 0, skipped: 0, 'in-progress': 0, 'not-started': 0 };
    for (const i of items) if (i.outcome) outcomes[i.outcome.status]++;
    summary.outcomes = outcomes;
  }
  return {
    apiVersion: RUN_DOCUMENT_API_VERSION,
    kind,
    command: head.command,
    cluster: head.cluster,
    region: head.region,
    ...(head.oidcProvider ? { oidcProvider: head.oidcProvider } : {}),
    ...(head.prune
      ? { pruneScope: head.prune.scope, ...(head.prune.applySet !== undefined ? { applySet: head.prune.applySet } : {}), notPruned: head.prune.notPruned }
      : {}),
    ...(head.podIdentityAgent ? { podIdentityAgent: head.podIdentityAgent } : {}),
    items,
    summary,
  };
}

/** The Result of a plan: its items matched to the outcomes by id (the executors keep the plan's ids). */
export function withOutcomes<R extends { id: string }>(items: RunItem[], results: readonly R[], add: (item: RunItem, r: R) => RunItem): RunItem[] {
  const byId = new Map(results.map((r) => [r.id, r]));
  return items.map((item) => {
    const r = byId.get(item.id);
    // an item the run never reached (a prune after a signal): not started
    return r ? add(item, r) : { ...item, outcome: { status: 'not-started', changed: false } };
  });
}
