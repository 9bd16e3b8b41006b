import type { StackRecord } from '../aws/ports.js';
import { BOOKKEEPING_TAG_KEYS, ROLE_OUTPUT } from '../model/naming.js';
import type { CfnTemplate } from '../cfn/template.js';
import { diffTags, diffTemplates, formatDiff, type TemplateDiff } from '../cfn/diff.js';
import { isCreateFailure, isInProgress, isUsable, stuckNextStep } from '../cfn/stack-status.js';
import { foreignStackProblem, stackOwner, type RoleStackKind, type StackOwner } from '../services/ownership.js';
import { desiredRoleOf, diffRole, isRoleTemplate, type DesiredRole, type DriftItem, type LiveRole } from '../cfn/role-drift.js';

// The role stack's step of a plan, for both kinds of role stack (an iamserviceaccount's, a pod identity
// association's): one pure decision from the desired template and the stack as observed.

export type StackStep =
  /** no stack is made: the role ARN is given */
  | { action: 'none'; reason: 'attach-role-arn' | 'role-arn' }
  /** the template is what CreateStack sends (as with update and replace) */
  | { action: 'create'; template: CfnTemplate }
  /** create: a stack exists already, left as it is; `differs` lists how it differs from what was asked */
  | { action: 'exists'; status: string; differs?: string[] }
  | { action: 'unchanged'; status: string }
  | { action: 'update'; diff: TemplateDiff; tags: ReturnType<typeof diffTags>; template: CfnTemplate }
  /** apply: a stack that failed to create is deleted and made again */
  | { action: 'replace'; status: string; reason?: string; template: CfnTemplate }
  /** create: the ServiceAccount exists and may not be touched, so no role is made for it (eksctl's rule) */
  | { action: 'skip'; reason: 'serviceaccount-exists' }
  /** the stack is in a state nothing can act on now (in progress, or failed for create); nextStep: what gets it out */
  | { action: 'blocked'; status: string; reason?: string; nextStep?: string }
  /** a stack has this item's name but its tags give it to someone else (or no one): never touched */
  | { action: 'foreign'; status: string; owner: StackOwner; message: string; hint: string };

/** The role differs from its stack outside CloudFormation: repaired through IAM after the stack step (repair-drift.ts). */
export interface RoleDrift {
  roleName: string;
  items: DriftItem[];
  desired: DesiredRole;
}

export interface RoleStackObservation {
  mode: 'create' | 'update' | 'apply';
  kind: RoleStackKind;
  /** `<ns>/<name>` */
  id: string;
  cluster: string;
  region: string;
  /** the template the configuration describes */
  template: CfnTemplate;
  stackTags: Record<string, string>;
  /** the stack this item owns, if any */
  existing?: StackRecord;
  /** without `existing`: a stack holding this item's stack name that is someone else's (or no one's) */
  squatter?: StackRecord;
  liveTemplate?: unknown;
  /** the role as IAM has it (update/apply); 'missing': deleted outside CloudFormation */
  liveRole?: LiveRole | 'missing';
  /** what else follows the role to a new ARN when an update replaces it, for the warning */
  rebinds: string;
}

export interface RoleStackPlan {
  stack: StackStep;
  /** known now when the stack exists with its output (not when it is replaced) */
  roleArn?: string;
  drift?: RoleDrift;
  warnings: string[];
}

/** The stack step: create, exists (create), unchanged, update with a semantic diff, replace, blocked or foreign. */
export function planRoleStack(o: RoleStackObservation): RoleStackPlan {
  const warnings: string[] = [];
  const { existing, template } = o;
  if (!existing) {
    if (o.squatter) {
      const problem = foreignStackProblem(o.squatter, { cluster: o.cluster, region: o.region, id: o.id, kind: o.kind });
      return { stack: { action: 'foreign', status: o.squatter.status, owner: stackOwner(o.squatter.tags, o.kind), ...problem }, warnings };
    }
    return { stack: { action: 'create', template }, warnings };
  }

  const roleArn = existing.outputs[ROLE_OUTPUT];
  const status = existing.status;
  let stack: StackStep;
  const stuck = stuckNextStep(status, existing.stackName, o.region);
  if (stuck !== undefined && !(status === 'UPDATE_FAILED' && o.mode !== 'create')) {
    // Neither time nor irsactl gets these out of their status: say what does (an UPDATE_FAILED stack still takes updates).
    stack = { action: 'blocked', status, reason: existing.statusReason, nextStep: stuck };
  } else if (isInProgress(status)) {
    stack = { action: 'blocked', status, reason: 'an operation is in progress on this stack' };
  } else if (isCreateFailure(status) || status === 'DELETE_FAILED' || !roleArn) {
    // Nothing usable to keep: apply deletes it (again, for DELETE_FAILED) and creates it anew.
    stack = o.mode === 'apply' ? { action: 'replace', status, reason: existing.statusReason, template } : { action: 'blocked', status, reason: existing.statusReason };
  } else {
    const diff = o.liveTemplate === undefined ? undefined : diffTemplates(o.liveTemplate, template);
    // The version and apply-set tags say which tool and file last wrote the stack: a difference there alone is not drift.
    const tags = diffTags(withoutKeys(existing.tags, BOOKKEEPING_TAG_KEYS), withoutKeys(o.stackTags, BOOKKEEPING_TAG_KEYS));
    const tagsChanged = Object.keys(tags.added).length + Object.keys(tags.removed).length + Object.keys(tags.changed).length > 0;
    const differs = Boolean(diff && (diff.changed || tagsChanged));
    // create never changes an existing stack (eksctl's rule), but says when it is not what was asked.
    if (o.mode === 'create') stack = { action: 'exists', status, ...(differs && diff ? { differs: formatDiff(diff, tags) } : {}) };
    else if (differs && diff) {
      stack = { action: 'update', diff, tags, template };
      if (diff.roleName) {
        // Naming a role CloudFormation named (or renaming one) is a replacement, not an update in place.
        warnings.push(
          `this update replaces the role: CloudFormation creates a new one named ${diff.roleName.after ?? '(generated)'} and deletes ${roleArn ?? 'the old one'}, so its ARN changes; ` +
            `${o.rebinds}, and pods that use it keep the old role until they are restarted`,
        );
      }
    }
    // UPDATE_ROLLBACK_COMPLETE is at rest on the previous template: usable, and nothing differs.
    else stack = isUsable(status) ? { action: 'unchanged', status } : { action: 'blocked', status, ...(stuck !== undefined ? { nextStep: stuck } : {}) };
  }

  let drift: RoleDrift | undefined;
  if (o.liveRole === 'missing' && (stack.action === 'unchanged' || stack.action === 'update')) {
    // CloudFormation does not recreate a resource deleted behind its back: a new stack makes the role again.
    stack = { action: 'replace', status, reason: `role ${roleArn ?? ''} was deleted outside CloudFormation`, template };
  } else if (o.liveRole !== undefined && o.liveRole !== 'missing' && (stack.action === 'unchanged' || (stack.action === 'update' && !stack.diff.roleName))) {
    // Drift is what differs from the role the live stack describes (what CloudFormation believes it made); a
    // difference the file brings is the template diff's. The repair makes the drifted parts what the file says.
    const pseudo = { partition: existing.stackId.split(':')[1] ?? 'aws', stackName: existing.stackName };
    if (isRoleTemplate(o.liveTemplate)) {
      const items = diffRole(desiredRoleOf(o.liveTemplate, pseudo, existing.tags), o.liveRole, BOOKKEEPING_TAG_KEYS);
      if (items.length > 0) drift = { roleName: o.liveRole.name, items, desired: desiredRoleOf(template, pseudo, o.stackTags) };
    }
  }
  const knownArn = stack.action === 'replace' ? undefined : roleArn;
  return { stack, ...(knownArn !== undefined ? { roleArn: knownArn } : {}), ...(drift ? { drift } : {}), warnings };
}

function withoutKeys(map: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([k]) => !keys.includes(k)));
}
