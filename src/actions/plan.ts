import type { ClusterModel, ServiceAccountSpec } from '../model/service-account.js';
import type { OidcInfo } from '../model/oidc.js';
import { saId } from '../model/service-account.js';
import type { StackRecord } from '../aws/ports.js';
import type { ServiceAccountObject } from '../k8s/ports.js';
import { BOOKKEEPING_TAG_KEYS, capabilitiesFor, ROLE_OUTPUT, stackNameFor, stackTagsFor } from '../model/naming.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { renderTemplate, type CfnTemplate } from '../cfn/template.js';
import { diffTags, diffTemplates, formatDiff, liveRoleName, type TemplateDiff } from '../cfn/diff.js';
import { isCreateFailure, isInProgress, isUsable, stuckNextStep } from '../cfn/stack-status.js';
import { foreignStackProblem, stackOwner, type StackOwner } from '../services/ownership.js';
import { desiredServiceAccount, mergeServiceAccount } from '../k8s/service-account.js';
import { deleteCommand } from '../model/suggested-commands.js';
import { desiredRoleOf, diffRole, isRoleTemplate, type DesiredRole, type DriftItem, type LiveRole } from '../cfn/role-drift.js';

// The plan is a value: computed purely from the desired model and what was
// observed, printed without --approve, executed with it.

export type StackStep =
  /** no stack is made: the role ARN is given */
  | { action: 'none'; reason: 'attach-role-arn' }
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
  /** a stack has this service account's name but its tags give it to someone else (or no one): never touched */
  | { action: 'foreign'; status: string; owner: StackOwner; message: string; hint: string };

export type ServiceAccountStep =
  | { action: 'create' }
  /** merge the role annotation (and the config's labels/annotations) into an existing object */
  | { action: 'annotate'; previousRoleArn?: string }
  | { action: 'unchanged' }
  | { action: 'skip'; reason: 'role-only' | 'exists' };

export interface ServiceAccountPlan {
  id: string;
  spec: ServiceAccountSpec;
  /** things the user asked for that irsactl will not do, and why */
  warnings: string[];
  /** the ServiceAccount as the plan saw it (undefined: it did not exist, or was not looked at) */
  observed?: ServiceAccountObject;
  stackName: string;
  stackTags: Record<string, string>;
  capabilities: string[];
  /** the template the file describes, as the plan shows it (undefined with attachRoleARN: no stack) */
  template?: CfnTemplate;
  stack: StackStep;
  serviceAccount: ServiceAccountStep;
  /** known now when the role ARN is given or the stack exists with its output */
  roleArn?: string;
  /** the role differs from the file outside CloudFormation: repaired through IAM after the stack step (repair-drift.ts) */
  drift?: { roleName: string; items: DriftItem[]; desired: DesiredRole };
}

export interface Plan {
  cluster: string;
  region: string;
  oidcProvider: { arn: string; exists: boolean; action: 'none' | 'create' };
  items: ServiceAccountPlan[];
}

export interface PlanInput {
  mode: 'create' | 'apply' | 'update';
  model: ClusterModel;
  selected: ServiceAccountSpec[];
  region: string;
  oidc: OidcInfo;
  providerExists: boolean;
  /** by `<ns>/<name>`: the IRSA stacks of this cluster */
  stacks: Map<string, StackRecord>;
  /** by `<ns>/<name>`: a stack that has this service account's stack name but is someone else's (or no one's) */
  squatters?: Map<string, StackRecord>;
  /** live templates (update/apply only), by `<ns>/<name>` like stacks */
  liveTemplates?: Map<string, unknown>;
  /** the roles as IAM has them (update/apply only), by `<ns>/<name>`; 'missing': deleted outside CloudFormation */
  liveRoles?: Map<string, LiveRole | 'missing'>;
  /** by `<ns>/<name>`: undefined when the ServiceAccount does not exist */
  serviceAccounts: Map<string, ServiceAccountObject | undefined>;
  overrideExisting: boolean;
  /** apply: the apply set every stack it creates or updates is tagged with */
  applySet?: string;
}

export function planServiceAccounts(input: PlanInput): Plan {
  const items = input.selected.map((spec) => planOne(input, spec));
  return {
    cluster: input.model.name,
    region: input.region,
    oidcProvider: {
      arn: input.oidc.providerArn,
      exists: input.providerExists,
      action: input.providerExists ? 'none' : 'create',
    },
    items,
  };
}

function planOne(input: PlanInput, requested: ServiceAccountSpec): ServiceAccountPlan {
  const id = saId(requested);
  // eksctl's rule on update: the role name the live stack was created with wins, so the role (and its ARN)
  // is never replaced because the file or the flags leave the name out.
  const liveName = liveRoleName(input.liveTemplates?.get(id));
  const spec = liveName && !requested.attachRoleARN ? { ...requested, roleName: liveName } : requested;
  const warnings =
    liveName && requested.roleName && requested.roleName !== liveName
      ? [`the role keeps its name ${liveName}: renaming it to ${requested.roleName} would replace the role and change its ARN (delete and create the service account to do that)`]
      : [];
  const live = input.serviceAccounts.get(id);
  const base = {
    id,
    spec,
    warnings,
    // rides along so that the write's first attempt needs no second GET (a stale object gets a 409)
    observed: live,
    stackName: stackNameFor(input.model.name, spec),
    stackTags: stackTagsFor(input.model, spec, input.applySet),
    capabilities: capabilitiesFor(spec),
  };

  if (spec.attachRoleARN) {
    const roleArn = spec.attachRoleARN;
    const stale = input.stacks.get(id);
    if (stale) {
      // The stack is not deleted behind the user's back: say what becomes of it.
      warnings.push(
        `the ServiceAccount will use ${roleArn} instead of the role of stack ${stale.stackName} (${stale.outputs[ROLE_OUTPUT] ?? 'no role output'}), which stays as it is: ` +
          `once no pod uses that role, delete it with \`${deleteCommand({ cluster: input.model.name, region: input.region, namespace: spec.namespace, name: spec.name })}\` (the ServiceAccount, then annotated with the other role, is kept)`,
      );
    }
    return { ...base, stack: { action: 'none', reason: 'attach-role-arn' }, roleArn, serviceAccount: saStep(input, spec, live, roleArn) };
  }

  const template = renderTemplate(spec, input.oidc);
  const existing = input.stacks.get(id);
  const squatter = existing ? undefined : input.squatters?.get(id);
  if (squatter) {
    const problem = foreignStackProblem(squatter, { cluster: input.model.name, region: input.region, id });
    return { ...base, template, stack: { action: 'foreign', status: squatter.status, owner: stackOwner(squatter.tags), ...problem }, serviceAccount: saStep(input, spec, live, undefined) };
  }
  if (!existing) {
    // eksctl's rule: an existing ServiceAccount without --override-existing-serviceaccounts excludes the whole
    // service account (no role is made for an object we may not annotate). apply declares intent, so it annotates.
    const sa = saStep(input, spec, live, undefined);
    const skipped = sa.action === 'skip' && sa.reason === 'exists';
    return { ...base, template, stack: skipped ? { action: 'skip', reason: 'serviceaccount-exists' } : { action: 'create', template }, serviceAccount: sa };
  }

  const roleArn = existing.outputs[ROLE_OUTPUT];
  const status = existing.status;
  let stack: StackStep;
  const stuck = stuckNextStep(status, existing.stackName, input.region);
  if (stuck !== undefined && !(status === 'UPDATE_FAILED' && input.mode !== 'create')) {
    // Neither time nor irsactl gets these out of their status: say what does (an UPDATE_FAILED stack still takes updates).
    stack = { action: 'blocked', status, reason: existing.statusReason, nextStep: stuck };
  } else if (isInProgress(status)) {
    stack = { action: 'blocked', status, reason: 'an operation is in progress on this stack' };
  } else if (isCreateFailure(status) || status === 'DELETE_FAILED' || !roleArn) {
    // Nothing usable to keep: apply deletes it (again, for DELETE_FAILED) and creates it anew.
    stack = input.mode === 'apply' ? { action: 'replace', status, reason: existing.statusReason, template } : { action: 'blocked', status, reason: existing.statusReason };
  } else {
    const liveTemplate = input.liveTemplates?.get(id);
    const diff = liveTemplate === undefined ? undefined : diffTemplates(liveTemplate, template);
    // The version and apply-set tags say which tool and file last wrote the stack: a difference there alone is not drift.
    const tags = diffTags(withoutKeys(existing.tags, BOOKKEEPING_TAG_KEYS), withoutKeys(base.stackTags, BOOKKEEPING_TAG_KEYS));
    const tagsChanged = Object.keys(tags.added).length + Object.keys(tags.removed).length + Object.keys(tags.changed).length > 0;
    const differs = Boolean(diff && (diff.changed || tagsChanged));
    // create never changes an existing stack (eksctl's rule), but says when it is not what was asked.
    if (input.mode === 'create') stack = { action: 'exists', status, ...(differs && diff ? { differs: formatDiff(diff, tags) } : {}) };
    else if (differs && diff) {
      stack = { action: 'update', diff, tags, template };
      if (diff.roleName) {
        // Naming a role CloudFormation named (or renaming one) is a replacement, not an update in place.
        warnings.push(
          `this update replaces the role: CloudFormation creates a new one named ${diff.roleName.after ?? '(generated)'} and deletes ${roleArn ?? 'the old one'}, so its ARN changes; ` +
            'the ServiceAccount is re-annotated with the new ARN, and pods that use it keep the old role until they are restarted',
        );
      }
    }
    // UPDATE_ROLLBACK_COMPLETE is at rest on the previous template: usable, and nothing differs.
    else stack = isUsable(status) ? { action: 'unchanged', status } : { action: 'blocked', status, ...(stuck !== undefined ? { nextStep: stuck } : {}) };
  }

  const liveRole = input.liveRoles?.get(id);
  let drift: ServiceAccountPlan['drift'];
  if (liveRole === 'missing' && (stack.action === 'unchanged' || stack.action === 'update')) {
    // CloudFormation does not recreate a resource deleted behind its back: a new stack makes the role again.
    stack = { action: 'replace', status, reason: `role ${roleArn ?? ''} was deleted outside CloudFormation`, template };
  } else if (liveRole !== undefined && liveRole !== 'missing' && (stack.action === 'unchanged' || (stack.action === 'update' && !stack.diff.roleName))) {
    // Drift is what differs from the role the live stack describes (what CloudFormation believes it made); a
    // difference the file brings is the template diff's. The repair makes the drifted parts what the file says.
    const pseudo = { partition: existing.stackId.split(':')[1] ?? 'aws', stackName: existing.stackName };
    const liveTemplate = input.liveTemplates?.get(id);
    if (isRoleTemplate(liveTemplate)) {
      const items = diffRole(desiredRoleOf(liveTemplate, pseudo, existing.tags), liveRole, BOOKKEEPING_TAG_KEYS);
      if (items.length > 0) drift = { roleName: liveRole.name, items, desired: desiredRoleOf(template, pseudo, base.stackTags) };
    }
  }

  const knownArn = stack.action === 'replace' ? undefined : roleArn;
  return { ...base, template, stack, roleArn: knownArn, serviceAccount: saStep(input, spec, live, knownArn), ...(drift ? { drift } : {}) };
}

function saStep(input: PlanInput, spec: ServiceAccountSpec, live: ServiceAccountObject | undefined, roleArn: string | undefined): ServiceAccountStep {
  if (spec.roleOnly) return { action: 'skip', reason: 'role-only' };
  if (!live) return { action: 'create' };
  if (roleArn !== undefined && !mergeServiceAccount(live, desiredServiceAccount(spec, roleArn), { addManagedBy: false }).changed) {
    return { action: 'unchanged' };
  }
  // create touches an existing object only with --override-existing-serviceaccounts (eksctl's rule);
  // apply and update declare intent, so they repair a missing or stale annotation.
  if (input.mode === 'create' && !input.overrideExisting) return { action: 'skip', reason: 'exists' };
  return { action: 'annotate', previousRoleArn: live.annotations[ROLE_ARN_ANNOTATION] };
}

function withoutKeys(map: Record<string, string>, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(map).filter(([k]) => !keys.includes(k)));
}
