import type { AddonInfo, ClusterInfo, PodIdentityAssociationFields, PodIdentityAssociationInfo, StackRecord } from '../aws/ports.js';
import type { ServiceAccountObject } from '../k8s/ports.js';
import type { ClusterModel } from '../model/service-account.js';
import { makesRole, podIdentityId, POD_IDENTITY_AGENT_ADDON, type PodIdentityAssociationSpec } from '../model/pod-identity.js';
import { podIdentityCapabilitiesFor, podIdentityStackNameFor, podIdentityStackTagsFor, ROLE_OUTPUT } from '../model/naming.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { parseRoleArn } from '../model/arns.js';
import { shellCommand } from '../model/suggested-commands.js';
import { canonicalJson, liveRoleName } from '../cfn/diff.js';
import type { CfnTemplate } from '../cfn/template.js';
import { renderPodIdentityRoleTemplate } from '../cfn/pod-identity-template.js';
import { podIdentitySquatterFor, type ClusterStacks } from '../services/stacks.js';
import { planRoleStack, type RoleDrift, type StackStep } from './stack-step.js';
import type { LiveRole } from '../cfn/role-drift.js';

// The plan of pod identity associations, a pure value as the IRSA plan is: per association its role stack (none when
// roleARN is given), the association itself, and the ServiceAccount. Printed without --approve, executed with it.

export type AssociationField = keyof PodIdentityAssociationFields;

/** One field of the association that changes: `after` undefined removes it (targetRoleArn, policy). */
export interface AssociationChange {
  field: AssociationField;
  before?: string | boolean;
  after?: string | boolean;
}

export type AssociationStep =
  | { action: 'create' }
  | { action: 'update'; associationId: string; changes: AssociationChange[] }
  | { action: 'unchanged'; associationId: string }
  /** an EKS add-on owns it (ownerArn): only that add-on may change or delete it, so irsactl never does */
  | { action: 'foreign'; associationId: string; ownerArn: string; message: string; hint: string }
  /** create: the ServiceAccount has an association that is not what this spec asks; create leaves it and fails */
  | { action: 'conflict'; associationId: string; changes: AssociationChange[]; message: string; hint: string };

export type PodIdentityServiceAccountStep =
  /** createServiceAccount: made without any annotation (Pod Identity needs none) */
  | { action: 'create' }
  | { action: 'unchanged' }
  /** not there and not asked for: pods get the role once it exists */
  | { action: 'none'; reason: 'missing' };

export interface PodIdentityPlanItem {
  mechanism: 'pod-identity';
  id: string;
  spec: PodIdentityAssociationSpec;
  warnings: string[];
  stackName: string;
  stackTags: Record<string, string>;
  capabilities: string[];
  /** the role template (undefined with roleARN: no stack) */
  template?: CfnTemplate;
  stack: StackStep;
  /** known now when roleARN is given or the stack exists with its output */
  roleArn?: string;
  /** the role differs from its stack outside CloudFormation: repaired through IAM after the stack step */
  drift?: RoleDrift;
  association: AssociationStep;
  /** the association as the plan saw it: the executor compares with it again once the role ARN is known */
  observedAssociation?: PodIdentityAssociationInfo;
  /** what the association is tagged with when created: the spec's tags (eksctl's) */
  associationTags: Record<string, string>;
  serviceAccount: PodIdentityServiceAccountStep;
  observedServiceAccount?: ServiceAccountObject;
}

/** Where the Pod Identity agent comes from: built in (Auto Mode), the add-on, or nowhere. */
export type AgentState = { source: 'auto-mode' } | { source: 'addon'; status: string; version?: string } | { source: 'missing' };

export interface PodIdentityPlan {
  cluster: string;
  region: string;
  agent: AgentState;
  items: PodIdentityPlanItem[];
}

export interface PodIdentityPlanInput {
  mode: 'create' | 'update' | 'apply';
  model: ClusterModel;
  selected: PodIdentityAssociationSpec[];
  region: string;
  agent: AgentState;
  /** this cluster's pod identity role stacks (owned by `<ns>/<sa>`, and all by name) */
  stacks: ClusterStacks;
  /** live templates of the owned stacks, by `<ns>/<sa>` */
  liveTemplates?: Map<string, unknown>;
  /** the roles of the owned stacks as IAM has them (update/apply), by `<ns>/<sa>`; 'missing': deleted outside CloudFormation */
  liveRoles?: Map<string, LiveRole | 'missing'>;
  /** the described association of each ServiceAccount that has one, by `<ns>/<sa>` */
  associations: Map<string, PodIdentityAssociationInfo>;
  /** by `<ns>/<sa>`: undefined when the ServiceAccount does not exist */
  serviceAccounts: Map<string, ServiceAccountObject | undefined>;
  applySet?: string;
}

export function agentState(cluster: Pick<ClusterInfo, 'autoMode'>, addon: AddonInfo | undefined): AgentState {
  if (cluster.autoMode === true) return { source: 'auto-mode' };
  if (addon === undefined) return { source: 'missing' };
  return { source: 'addon', status: addon.status, ...(addon.version !== undefined ? { version: addon.version } : {}) };
}

/**
 * What must hold before any change, from what was read: the agent runs on the nodes, and each given role is in the
 * cluster's account (EKS passes it to pods: cross-account only through targetRoleArn). Returns the problems (each
 * stops the run) and the warnings.
 */
export function podIdentityPreconditions(
  plan: Pick<PodIdentityPlan, 'cluster' | 'region' | 'agent' | 'items'>,
  clusterAccount: string,
): { problems: { message: string; hint?: string }[]; warnings: string[] } {
  const problems: { message: string; hint?: string }[] = [];
  const warnings: string[] = [];
  const creates = plan.items.some((i) => i.association.action === 'create' || i.association.action === 'update');
  if (creates && plan.agent.source === 'missing') {
    problems.push({
      message: `cluster "${plan.cluster}" in ${plan.region} has no Pod Identity agent: it is neither an EKS Auto Mode cluster nor has the ${POD_IDENTITY_AGENT_ADDON} add-on, so pods could not get credentials from an association`,
      hint:
        `install the add-on with \`${shellCommand('aws', 'eks', 'create-addon', '--cluster-name', plan.cluster, '--addon-name', POD_IDENTITY_AGENT_ADDON, '--region', plan.region)}\`` +
        ` (or \`${shellCommand('eksctl', 'create', 'addon', '--cluster', plan.cluster, '--name', POD_IDENTITY_AGENT_ADDON, '--region', plan.region)}\`), then run this command again`,
    });
  } else if (plan.agent.source === 'addon' && plan.agent.status !== 'ACTIVE') {
    warnings.push(`the ${POD_IDENTITY_AGENT_ADDON} add-on is ${plan.agent.status}, not ACTIVE: pods may not get credentials until it is`);
  }
  for (const i of plan.items) {
    // EKS's rule: a session policy only with session tags disabled (the spec's value, else what the association has).
    const tagsOff = i.spec.disableSessionTags ?? i.observedAssociation?.disableSessionTags ?? false;
    if (i.spec.policy !== undefined && !tagsOff && (i.association.action === 'create' || i.association.action === 'update')) {
      problems.push({
        message: `${i.id}: a session policy needs session tags disabled, and the association would keep them on`,
        hint: 'add --disable-session-tags (disableSessionTags: true): EKS refuses a policy with session tags, which together can exceed the packed session size',
      });
    }
    if (i.spec.roleARN === undefined) continue;
    const account = parseRoleArn(i.spec.roleARN)?.accountId;
    if (account !== undefined && account !== clusterAccount) {
      problems.push({
        message: `${i.id}: role ${i.spec.roleARN} is in account ${account}, not the cluster's (${clusterAccount}): EKS passes the association's role to the pods, so it must be in the cluster's account`,
        hint: `for a role of another account, give a role of account ${clusterAccount} as --role-arn (roleARN) and the other account's role as --target-role-arn (targetRoleARN): EKS assumes the first, then the target`,
      });
    }
  }
  return { problems, warnings };
}

export function planPodIdentity(input: PodIdentityPlanInput): PodIdentityPlan {
  return { cluster: input.model.name, region: input.region, agent: input.agent, items: input.selected.map((spec) => planOne(input, spec)) };
}

function planOne(input: PodIdentityPlanInput, requested: PodIdentityAssociationSpec): PodIdentityPlanItem {
  const id = podIdentityId(requested);
  const cluster = input.model.name;
  const liveTemplate = input.liveTemplates?.get(id);
  // As for iamserviceaccounts: the role name the live stack was created with wins, so the role is never replaced
  // because the configuration leaves the name out.
  const liveName = makesRole(requested) ? liveRoleName(liveTemplate) : undefined;
  const spec = liveName !== undefined ? { ...requested, roleName: liveName } : requested;
  const warnings: string[] =
    liveName !== undefined && requested.roleName !== undefined && requested.roleName !== liveName
      ? [`the role keeps its name ${liveName}: renaming it to ${requested.roleName} would replace the role and change its ARN (delete and create the association to do that)`]
      : [];
  const stackName = podIdentityStackNameFor(cluster, spec);
  const stackTags = podIdentityStackTagsFor(input.model, spec, input.applySet);
  const existing = input.stacks.owned.get(id);
  const live = input.serviceAccounts.get(id);
  const observedAssociation = input.associations.get(id);

  let stack: StackStep;
  let roleArn: string | undefined;
  let template: CfnTemplate | undefined;
  let drift: RoleDrift | undefined;
  if (spec.roleARN !== undefined) {
    stack = { action: 'none', reason: 'role-arn' };
    roleArn = spec.roleARN;
    if (existing) {
      warnings.push(
        `the association will use ${spec.roleARN} instead of the role of stack ${existing.stackName} (${existing.outputs[ROLE_OUTPUT] ?? 'no role output'}), which stays as it is: delete that stack once no pod uses its role`,
      );
    }
  } else {
    template = renderPodIdentityRoleTemplate(spec);
    const squatter = existing ? undefined : podIdentitySquatterFor(input.stacks, cluster, spec);
    const role = planRoleStack({
      mode: input.mode,
      kind: 'podidentityassociation',
      id,
      cluster,
      region: input.region,
      template,
      stackTags,
      ...(existing ? { existing } : {}),
      ...(squatter ? { squatter } : {}),
      liveTemplate,
      ...(input.liveRoles?.has(id) ? { liveRole: input.liveRoles.get(id) } : {}),
      rebinds: 'the association is updated to the new ARN',
    });
    drift = role.drift;
    // Not compared (update by flags has no role flags): the stack is left as it is, not called up to date.
    stack = role.stack.action === 'unchanged' && liveTemplate === undefined ? { action: 'exists', status: role.stack.status } : role.stack;
    roleArn = role.roleArn;
    warnings.push(...role.warnings);
  }

  const annotated = live?.annotations[ROLE_ARN_ANNOTATION];
  if (annotated !== undefined) {
    warnings.push(`serviceaccount ${id} carries ${ROLE_ARN_ANNOTATION}: ${annotated}: Pod Identity wins at run time; the annotation is ignored`);
  }
  const serviceAccount: PodIdentityServiceAccountStep = live !== undefined ? { action: 'unchanged' } : spec.createServiceAccount ? { action: 'create' } : { action: 'none', reason: 'missing' };
  if (serviceAccount.action === 'none') {
    warnings.push(`serviceaccount ${id} does not exist: pods get the role once it does (createServiceAccount makes it)`);
  }

  return {
    mechanism: 'pod-identity',
    id,
    spec,
    warnings,
    stackName,
    stackTags,
    capabilities: podIdentityCapabilitiesFor(spec),
    ...(template ? { template } : {}),
    stack,
    ...(roleArn !== undefined ? { roleArn } : {}),
    ...(drift ? { drift } : {}),
    association: associationStep(input, spec, roleArn, stackName, observedAssociation),
    ...(observedAssociation ? { observedAssociation } : {}),
    associationTags: { ...spec.tags },
    serviceAccount,
    ...(live ? { observedServiceAccount: live } : {}),
  };
}

function associationStep(
  input: PodIdentityPlanInput,
  spec: PodIdentityAssociationSpec,
  roleArn: string | undefined,
  stackName: string,
  observed: PodIdentityAssociationInfo | undefined,
): AssociationStep {
  if (!observed) return { action: 'create' };
  const id = podIdentityId(spec);
  if (observed.ownerArn !== undefined) {
    return {
      action: 'foreign',
      associationId: observed.associationId,
      ownerArn: observed.ownerArn,
      message: `the association of ${id} (${observed.associationId}) belongs to the EKS add-on ${observed.ownerArn}: irsactl never changes or deletes it`,
      hint: `change it through that add-on (\`${shellCommand('aws', 'eks', 'update-addon', '--cluster-name', input.model.name, '--addon-name', addonNameOf(observed.ownerArn), '--pod-identity-associations', '…', '--region', input.region)}\`, or eksctl update addon)`,
    };
  }
  const changes = associationChanges(observed, spec, roleArn ?? `(the role of stack ${stackName})`, input.mode === 'apply' ? 'remove' : 'keep');
  if (changes.length === 0) return { action: 'unchanged', associationId: observed.associationId };
  if (input.mode === 'create') {
    return {
      action: 'conflict',
      associationId: observed.associationId,
      changes,
      message: `serviceaccount ${id} has a pod identity association already (${observed.associationId}, role ${observed.roleArn}) that is not what was asked (${formatAssociationChanges(changes).join('; ')}): create leaves it as it is`,
      hint: 'change it with `irsactl update podidentityassociation` (the same flags or file), or delete it first',
    };
  }
  return { action: 'update', associationId: observed.associationId, changes };
}

/** `arn:aws:eks:<region>:<account>:addon/<cluster>/<addon>/<uuid>` → the add-on's name. */
function addonNameOf(ownerArn: string): string {
  return ownerArn.split(':').pop()?.split('/')[2] ?? ownerArn;
}

/**
 * How the live association differs from the spec with this role ARN. A field the spec leaves out stays as it is
 * (`keep`, eksctl's update) or is removed (`remove`, apply: the file is the whole truth); disableSessionTags left out
 * always stays. Session policies are compared as JSON documents, not as text.
 */
export function associationChanges(live: PodIdentityAssociationInfo, spec: PodIdentityAssociationSpec, roleArn: string, unset: 'keep' | 'remove'): AssociationChange[] {
  const changes: AssociationChange[] = [];
  if (live.roleArn !== roleArn) changes.push({ field: 'roleArn', before: live.roleArn, after: roleArn });
  if (spec.targetRoleARN !== undefined ? spec.targetRoleARN !== live.targetRoleArn : unset === 'remove' && live.targetRoleArn !== undefined) {
    changes.push({ field: 'targetRoleArn', ...(live.targetRoleArn !== undefined ? { before: live.targetRoleArn } : {}), ...(spec.targetRoleARN !== undefined ? { after: spec.targetRoleARN } : {}) });
  }
  if (spec.disableSessionTags !== undefined && spec.disableSessionTags !== (live.disableSessionTags ?? false)) {
    changes.push({ field: 'disableSessionTags', before: live.disableSessionTags ?? false, after: spec.disableSessionTags });
  }
  if (spec.policy !== undefined ? !samePolicy(spec.policy, live.policy) : unset === 'remove' && live.policy !== undefined) {
    changes.push({ field: 'policy', ...(live.policy !== undefined ? { before: live.policy } : {}), ...(spec.policy !== undefined ? { after: spec.policy } : {}) });
  }
  return changes;
}

/** What UpdatePodIdentityAssociation sends for these changes: an empty string removes a target role or policy. */
export function updateFields(changes: readonly AssociationChange[]): Partial<PodIdentityAssociationFields> {
  const fields: Partial<PodIdentityAssociationFields> = {};
  for (const c of changes) {
    if (c.field === 'disableSessionTags') fields.disableSessionTags = c.after === true;
    else fields[c.field] = typeof c.after === 'string' ? c.after : '';
  }
  return fields;
}

/** The same policy document, whatever its key order and spacing. */
function samePolicy(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  try {
    return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return a === b;
  }
}

export function formatAssociationChanges(changes: readonly AssociationChange[]): string[] {
  const show = (v: string | boolean | undefined) => (v === undefined ? '(none)' : String(v));
  return changes.map((c) => (c.field === 'policy' ? `policy: ${c.before === undefined ? 'added' : c.after === undefined ? 'removed' : 'changed'}` : `${c.field}: ${show(c.before)} → ${show(c.after)}`));
}

/** The role stack names of the associations that make their roles: their templates are read with the discovery. */
export function podIdentityStackNamesOf(cluster: string, selected: readonly PodIdentityAssociationSpec[]): Set<string> {
  return new Set(selected.filter(makesRole).map((s) => podIdentityStackNameFor(cluster, s)));
}

/** The owned stacks a plan reads the live template of (create reads them too, to say when one differs). */
export function stacksToRead(stacks: ClusterStacks, selected: readonly PodIdentityAssociationSpec[]): [string, StackRecord][] {
  return selected.flatMap((s) => {
    const rec = makesRole(s) ? stacks.owned.get(podIdentityId(s)) : undefined;
    return rec ? [[podIdentityId(s), rec] as [string, StackRecord]] : [];
  });
}
