import type { PodIdentityDeleteResult, PodIdentityResult } from './results.js';
import type { PodIdentityPlanItem } from './pod-identity-plan.js';
import { formatAssociationChanges } from './pod-identity-plan.js';
import type { ItemAction, OutcomeStatus, RunItem } from '../output/run-document.js';
import { roleStackSections } from './run-document.js';
import { ROLE_OUTPUT } from '../model/naming.js';
import type { StackRecord, PodIdentityAssociationSummary } from '../aws/ports.js';

// Pure: pod identity plans and results as the run document's items (mechanism pod-identity, with an association),
// beside the iamserviceaccount ones of the same document (src/actions/run-document.ts).

export function podIdentityItemAction(i: PodIdentityPlanItem): ItemAction {
  const s = i.stack.action;
  const a = i.association.action;
  if (s === 'blocked' || s === 'foreign' || a === 'foreign' || a === 'conflict') return 'cannot-act';
  if (s === 'create' || a === 'create') return 'create';
  if (s === 'replace' || s === 'update') return s;
  if (a === 'update') return 'update';
  if (i.drift !== undefined || i.serviceAccount.action === 'create') return 'repair';
  return 'noop';
}

export function podIdentityRunItem(i: PodIdentityPlanItem): RunItem {
  const a = i.association;
  const sections = roleStackSections(i);
  const changes = [...sections.changes, ...(a.action === 'update' || a.action === 'conflict' ? formatAssociationChanges(a.changes) : [])];
  return {
    id: i.id,
    mechanism: 'pod-identity',
    action: podIdentityItemAction(i),
    stack: sections.stack,
    role: sections.role,
    serviceAccount: { namespace: i.spec.namespace, name: i.spec.serviceAccountName, action: i.serviceAccount.action },
    association: {
      action: a.action,
      ...(a.action !== 'create' ? { associationId: a.associationId } : {}),
      ...(i.spec.targetRoleARN !== undefined ? { targetRoleArn: i.spec.targetRoleARN } : {}),
      ...(i.spec.disableSessionTags !== undefined ? { disableSessionTags: i.spec.disableSessionTags } : {}),
      ...(i.spec.policy !== undefined ? { policy: i.spec.policy } : {}),
      ...(a.action === 'create' ? { tags: i.associationTags } : {}),
      ...(a.action === 'update' || a.action === 'conflict' ? { changes: a.changes } : {}),
      ...(a.action === 'foreign' ? { ownerArn: a.ownerArn } : {}),
      ...(a.action === 'foreign' || a.action === 'conflict' ? { message: a.message, hint: a.hint } : {}),
    },
    changes,
    ...(i.warnings.length > 0 ? { warnings: i.warnings } : {}),
  };
}

const CHANGED_STACK: readonly PodIdentityResult['stack'][] = ['created', 'updated', 'replaced', 'repaired'];

export function podIdentityChanged(r: PodIdentityResult): boolean {
  return CHANGED_STACK.includes(r.stack) || r.association === 'created' || r.association === 'updated' || r.serviceAccount === 'created';
}

function statusOf(notStarted: boolean, failed: boolean, inProgress = false): OutcomeStatus {
  return inProgress ? 'in-progress' : notStarted ? 'not-started' : failed ? 'failed' : 'done';
}

export function withPodIdentityOutcome(item: RunItem, r: PodIdentityResult): RunItem {
  const roleArn = r.roleArn ?? item.role.arn;
  return {
    ...item,
    stack: { ...item.stack, outcome: r.stack },
    role: { ...item.role, ...(roleArn !== undefined ? { arn: roleArn } : {}) },
    serviceAccount: { ...item.serviceAccount, outcome: r.serviceAccount === 'none' ? 'none' : r.serviceAccount },
    ...(item.association
      ? { association: { ...item.association, ...(r.associationId !== undefined ? { associationId: r.associationId } : {}), outcome: r.association } }
      : {}),
    outcome: {
      status: statusOf(r.stack === 'not-started' && r.association === 'not-started' && !r.error, r.error !== undefined, r.stack === 'in-progress'),
      changed: podIdentityChanged(r),
      ...(r.error ? { message: r.error.message, ...(r.error.hint !== undefined ? { hint: r.error.hint } : {}) } : {}),
    },
  };
}

/** An association to delete (delete podidentityassociation, apply --prune): the association, then its stack. */
export function podIdentityDeleteRunItem(t: { id: string; namespace: string; serviceAccountName: string; association?: PodIdentityAssociationSummary; stack?: StackRecord; reason?: string }): RunItem {
  const owned = t.association?.ownerArn;
  return {
    id: t.id,
    mechanism: 'pod-identity',
    action: owned !== undefined ? 'cannot-act' : t.association || t.stack ? 'delete' : 'noop',
    stack: t.stack ? { name: t.stack.stackName, action: 'delete', status: t.stack.status } : { action: 'none' },
    role: t.stack?.outputs[ROLE_OUTPUT] !== undefined ? { arn: t.stack.outputs[ROLE_OUTPUT] } : {},
    serviceAccount: { namespace: t.namespace, name: t.serviceAccountName, action: 'release' },
    association: t.association
      ? owned !== undefined
        ? { action: 'foreign', associationId: t.association.associationId, ownerArn: owned }
        : { action: 'delete', associationId: t.association.associationId }
      : { action: 'absent' },
    changes: [],
    ...(t.reason !== undefined ? { reason: t.reason } : {}),
  };
}

export function podIdentityDeleteChanged(r: PodIdentityDeleteResult): boolean {
  return r.association === 'deleted' || r.stack === 'deleted' || r.stack === 'delete-requested' || r.serviceAccount === 'deleted';
}

export function withPodIdentityDeleteOutcome(item: RunItem, r: PodIdentityDeleteResult): RunItem {
  return {
    ...item,
    stack: { ...item.stack, outcome: r.stack === 'kept' ? 'absent' : r.stack },
    serviceAccount: { ...item.serviceAccount, outcome: r.serviceAccount, ...(r.note !== undefined ? { note: r.note } : {}) },
    ...(item.association ? { association: { ...item.association, outcome: r.association } } : {}),
    outcome: {
      status: statusOf(r.association === 'not-started' && r.stack === 'not-started' && !r.error, r.error !== undefined),
      changed: podIdentityDeleteChanged(r),
      ...(r.error !== undefined ? { message: r.error } : {}),
    },
  };
}
