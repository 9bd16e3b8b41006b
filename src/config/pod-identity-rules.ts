import { MAX_SESSION_POLICY_LENGTH, makesRole, podIdentityId, type PodIdentityAssociationSpec } from '../model/pod-identity.js';
import { podIdentityStackNameFor, podIdentityStackTagsFor } from '../model/naming.js';
import { WELL_KNOWN_POLICY_KEYS, saId } from '../model/service-account.js';
import { LIMITS } from './limits.js';
import { ROLE_NAME_MAX, STACK_NAME_MAX, isClusterName, isNamespace, isRoleName, isServiceAccountName, stackNameShapeProblem } from './names.js';
import { thousands, type Path, type PathSegment, type RuleResult } from './problems.js';
import { checkTagMap, clusterName, clusterRegion, clusterTags, collectingCheck, type Check, type RuleContext } from './rules.js';
import { checkArn, wellKnownSelectionProblems } from './service-account-rules.js';

// The rules each iam.podIdentityAssociations[] entry must pass: eksctl's (cmdutils/pod_identity_association.go,
// validation.go) and irsactl's, every problem listed at once. Limits from the botocore EKS model (2017-11-01:
// TagMap 1–50 entries, TagKey 1–128, TagValue ≤ 256) and the API reference (policy ≤ 2,048 characters).

/** EKS's TagMap: at most 50 tags on an association. */
export const MAX_ASSOCIATION_TAGS = 50;
/** IAM's policyNameType: what permissionPolicyName becomes. */
const POLICY_NAME_RE = /^[\w+=,.@-]+$/;

export interface PodIdentityCheck extends Check {
  p: PodIdentityAssociationSpec;
  i: number;
  at(...rest: PathSegment[]): Path;
  /** The index of the first entry with each `<ns>/<sa>`, for the duplicate rule. */
  firstIndexById: ReadonlyMap<string, number>;
}
type PodIdentityRule = (c: PodIdentityCheck) => void;

/** The commands that make or change an association or its role stack (create, update, apply). */
const changes = (c: Check): boolean => c.ctx.kind === 'create' || c.ctx.kind === 'update' || c.ctx.kind === 'apply';
/** The commands after which the association exists: eksctl's isCreate (create), and apply, which creates what is missing. */
const creates = (c: Check): boolean => c.ctx.kind === 'create' || c.ctx.kind === 'apply';
const usesWellKnown = (p: PodIdentityAssociationSpec): boolean => WELL_KNOWN_POLICY_KEYS.some((k) => p.wellKnownPolicies[k]);

const required: PodIdentityRule = ({ p, at, fromFile, add, ctx }) => {
  const { label } = ctx.loc;
  for (const field of ['namespace', 'serviceAccountName'] as const) {
    if (p[field] !== '') continue;
    // eksctl's texts: "iam.podIdentityAssociations[0].namespace must be set", "--namespace is required"
    if (fromFile) add(at(field), `${label(at(field))} must be set`, `add "${field}: <${field === 'namespace' ? 'namespace' : 'service account name'}>" to the entry`);
    else add(at(field), 'is required', `pass ${label(at(field))} <${field === 'namespace' ? 'namespace' : 'service account name'}>`);
  }
};

const kubernetesNames: PodIdentityRule = ({ p, at, add }) => {
  if (p.namespace !== '' && !isNamespace(p.namespace)) {
    add(at('namespace'), `"${p.namespace}" is not a valid Kubernetes namespace`, 'use lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters');
  }
  if (p.serviceAccountName !== '' && !isServiceAccountName(p.serviceAccountName)) {
    const wildcard = /[*?]/.test(p.serviceAccountName) ? '; Pod Identity has no wildcard associations, use an iamserviceaccount with subjectPattern' : '';
    add(
      at('serviceAccountName'),
      `"${p.serviceAccountName}" is not a valid Kubernetes service account name`,
      `use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters${wildcard}`,
    );
  }
};

const uniqueId: PodIdentityRule = ({ p, i, at, firstIndexById, add }) => {
  if (p.namespace === '' || p.serviceAccountName === '') return;
  const first = firstIndexById.get(podIdentityId(p));
  if (first === undefined || first === i) return;
  add(
    at('serviceAccountName'),
    `${podIdentityId(p)} is listed twice (iam.podIdentityAssociations[${first}] has it too); EKS allows one association per ServiceAccount`,
    'remove one of the two entries or give it another namespace or service account name',
  );
};

const permissionsGiven: PodIdentityRule = (c) => {
  const { p, i, at, fromFile, add } = c;
  if (!creates(c) || p.roleARN !== undefined) return;
  if (p.permissionPolicy !== undefined || p.permissionPolicyARNs.length > 0 || usesWellKnown(p)) return;
  if (fromFile) {
    const path = `iam.podIdentityAssociations[${i}]`;
    add(
      at(),
      `at least one of the following must be specified: ${path}.roleARN, ${path}.permissionPolicy, ${path}.permissionPolicyARNs, ${path}.wellKnownPolicies`,
      'use an existing role with roleARN, or give the role irsactl makes permissions with permissionPolicyARNs, permissionPolicy or wellKnownPolicies',
    );
  } else {
    add(
      at('roleARN'),
      'at least one of the following flags must be specified: --role-arn, --permission-policy-arns, --well-known-policies',
      'pass --role-arn <role ARN> to use an existing role, or --permission-policy-arns / --well-known-policies for the role irsactl makes; permissionPolicy needs a config file (-f)',
    );
  }
};

/** An existing role is used as is: what describes the role irsactl would make cannot go with it. */
const existingRoleAlone: PodIdentityRule = (c) => {
  const { p, at, add, ctx } = c;
  if (!changes(c) || p.roleARN === undefined) return;
  const { label } = ctx.loc;
  const conflicts: [boolean, Path][] = [
    [p.permissionPolicy !== undefined, at('permissionPolicy')],
    [p.permissionPolicyARNs.length > 0, at('permissionPolicyARNs')],
    [usesWellKnown(p), at('wellKnownPolicies')],
    [p.roleName !== undefined, at('roleName')],
    [p.permissionsBoundaryARN !== undefined, at('permissionsBoundaryARN')],
  ];
  for (const [present, path] of conflicts) {
    if (!present) continue;
    add(
      path,
      `cannot be specified when ${label(at('roleARN'))} is set`,
      `${label(at('roleARN'))} uses an existing role unchanged; drop ${label(path)}, or drop ${label(at('roleARN'))} to have irsactl make the role`,
    );
  }
};

const permissionPolicyName: PodIdentityRule = ({ p, at, add }) => {
  const name = p.permissionPolicyName;
  if (name === undefined) return;
  // eksctl's validatePermissionPolicyName, then IAM's policyNameType
  if (p.permissionPolicy === undefined) add(at('permissionPolicyName'), 'permissionPolicyName requires permissionPolicy to be set', 'add permissionPolicy, or drop permissionPolicyName');
  if (!/[A-Za-z0-9]/.test(name)) add(at('permissionPolicyName'), `permissionPolicyName "${name}" must contain at least one alphanumeric character`, 'use a name such as Policy1');
  else if (name.length > LIMITS.policyNameChars || !POLICY_NAME_RE.test(name)) {
    add(at('permissionPolicyName'), `"${name}" is not a valid IAM policy name`, `use at most ${LIMITS.policyNameChars} letters, digits and + = , . @ _ -`);
  }
};

const arns: PodIdentityRule = (c) => {
  const { p, at } = c;
  if (p.roleARN !== undefined) checkArn(c, p.roleARN, 'role', at('roleARN'));
  if (p.targetRoleARN !== undefined) checkArn(c, p.targetRoleARN, 'role', at('targetRoleARN'));
  p.permissionPolicyARNs.forEach((arn, k) => checkArn(c, arn, 'policy', at('permissionPolicyARNs', k)));
  if (p.permissionsBoundaryARN !== undefined) checkArn(c, p.permissionsBoundaryARN, 'policy', at('permissionsBoundaryARN'));
};

const roleName: PodIdentityRule = ({ p, at, add }) => {
  if (p.roleName !== undefined && !isRoleName(p.roleName)) {
    add(at('roleName'), `"${p.roleName}" is not a valid IAM role name`, `use at most ${ROLE_NAME_MAX} letters, digits and + = , . @ _ -`);
  }
};

/** Whether this entry gets a role stack this command renders: the other rules accepted the names it is made of. */
const rendersStack = (c: PodIdentityCheck): boolean =>
  changes(c) && makesRole(c.p) && isClusterName(c.model.name) && isNamespace(c.p.namespace) && isServiceAccountName(c.p.serviceAccountName);

const stackName: PodIdentityRule = (c) => {
  if (!rendersStack(c)) return;
  const bad = stackNameShapeProblem(podIdentityStackNameFor(c.model.name, c.p));
  if (bad === undefined) return;
  const { stack, tooLong } = bad;
  c.add(
    c.at('serviceAccountName'),
    `its role's CloudFormation stack name "${stack}" ${tooLong ? `is ${stack.length} characters, more than ${STACK_NAME_MAX}` : 'has characters CloudFormation does not allow (only letters, digits and "-")'}`,
    tooLong
      ? 'shorten the cluster, namespace or service account name, or use an existing role with roleARN'
      : 'rename the service account without "." (eksctl-compatible stack names are built from it verbatim), or use an existing role with roleARN',
  );
};

const sessionPolicy: PodIdentityRule = (c) => {
  const { p, at, add, ctx } = c;
  if (p.policy === undefined || p.policy === '') return;
  const { label } = ctx.loc;
  if (p.policy.length > MAX_SESSION_POLICY_LENGTH) {
    add(at('policy'), `is ${thousands(p.policy.length)} characters long, more than EKS's limit of ${thousands(MAX_SESSION_POLICY_LENGTH)}`, 'shorten the session policy (whitespace counts)');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(p.policy);
  } catch (cause) {
    add(at('policy'), `is not valid JSON (${cause instanceof Error ? cause.message : String(cause)})`, 'write an IAM policy document as JSON text, e.g. {"Version":"2012-10-17","Statement":[…]}');
  }
  if (parsed !== undefined && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) {
    add(at('policy'), 'is JSON but not a policy document (an object)', 'write an IAM policy document as JSON text, e.g. {"Version":"2012-10-17","Statement":[…]}');
  }
  // eksctl's ErrDisableSessionTagsMustBeSet. update by flags leaves an unset disableSessionTags as it is on the
  // association, so only an explicit false contradicts the policy there (eksctl's update does the same).
  const needsTrue = ctx.kind === 'update' ? p.disableSessionTags === false : p.disableSessionTags !== true;
  if (changes(c) && needsTrue) {
    const flag = ctx.loc.origin === 'flags';
    add(
      at('disableSessionTags'),
      flag ? '--disable-session-tags must be set to true when using --policy' : `${label(at('disableSessionTags'))} must be set to true when using ${label(at('policy'))}`,
      flag ? 'add --disable-session-tags (EKS refuses a session policy with session tags on)' : 'add "disableSessionTags: true" to the entry (EKS refuses a session policy with session tags on)',
    );
  }
};

const tags: PodIdentityRule = (c) => {
  const { p, at, add, model, ctx } = c;
  checkTagMap(p.tags, at('tags'), add);
  const count = Object.keys(p.tags).length;
  if (count > MAX_ASSOCIATION_TAGS) {
    add(at('tags'), `has ${count} tags, more than EKS's limit of ${MAX_ASSOCIATION_TAGS} on an association`, `remove at least ${count - MAX_ASSOCIATION_TAGS} tag(s)`);
  } else if (rendersStack(c)) {
    const stackTags = Object.keys(podIdentityStackTagsFor(model, p, ctx.kind === 'apply' ? 'apply-set' : undefined)).length;
    if (stackTags > LIMITS.stackTags) {
      add(
        at('tags'),
        `the role stack of ${podIdentityId(p)} would carry ${stackTags} tags (irsactl's and eksctl's own, metadata.tags and these), more than CloudFormation's limit of ${LIMITS.stackTags}`,
        `remove at least ${stackTags - LIMITS.stackTags} tag(s) here or in metadata.tags`,
      );
    }
  }
};

/** Pod Identity is not offered in the aws-cn partition: an ARN there cannot work. */
const chinaArns: PodIdentityRule = ({ p, at, add }) => {
  const fields: [string | undefined, Path][] = [
    [p.roleARN, at('roleARN')],
    [p.targetRoleARN, at('targetRoleARN')],
    [p.permissionsBoundaryARN, at('permissionsBoundaryARN')],
    ...p.permissionPolicyARNs.map((arn, k): [string, Path] => [arn, at('permissionPolicyARNs', k)]),
  ];
  for (const [arn, path] of fields) {
    if (arn?.startsWith('arn:aws-cn:')) add(path, `"${arn}" is in the aws-cn partition, where EKS Pod Identity is not available`, CHINA_FIX);
  }
};

const CHINA_FIX = 'use an iamserviceaccount (IRSA) for this ServiceAccount instead: iam.serviceAccounts in the file, or `irsactl create iamserviceaccount`';

/** The profile, versions and inputs of wellKnownPolicies, as on a service account. */
const wellKnownSelection: PodIdentityRule = ({ p, at, add }) => wellKnownSelectionProblems(p, at, add);

const POD_IDENTITY_RULES: readonly PodIdentityRule[] = [
  required,
  kubernetesNames,
  uniqueId,
  permissionsGiven,
  existingRoleAlone,
  permissionPolicyName,
  arns,
  roleName,
  stackName,
  sessionPolicy,
  tags,
  chinaArns,
  wellKnownSelection,
];

/** Every rule over the model's iam.podIdentityAssociations, after the cluster's region says whether Pod Identity exists there. */
export function checkPodIdentityAssociations(check: Check): void {
  const associations = check.model.podIdentityAssociations ?? [];
  if (associations.length === 0) return;
  if (check.model.region?.startsWith('cn-')) {
    check.add(['metadata', 'region'], `EKS Pod Identity is not available in the China Regions ("${check.model.region}")`, CHINA_FIX);
  }
  const firstIndexById = new Map<string, number>();
  associations.forEach((p, i) => {
    if (!firstIndexById.has(podIdentityId(p))) firstIndexById.set(podIdentityId(p), i);
  });
  associations.forEach((p, i) => {
    const at = (...rest: PathSegment[]): Path => ['iam', 'podIdentityAssociations', i, ...rest];
    for (const rule of POD_IDENTITY_RULES) rule({ ...check, p, i, at, firstIndexById });
  });
  bothMechanisms(check);
}

/**
 * For the readers of a file's associations (doctor, policies outdated): only irsactl's own keys are checked, since a
 * reader must not use a version pin it does not know; eksctl's rules are for the commands that make them.
 */
export function checkPodIdentitySelections(check: Check): void {
  (check.model.podIdentityAssociations ?? []).forEach((p, i) => {
    wellKnownSelectionProblems(p, (...rest: PathSegment[]): Path => ['iam', 'podIdentityAssociations', i, ...rest], check.add);
  });
}

/** A ServiceAccount in both sections works, but only one way: the webhook gives the association's credentials. */
function bothMechanisms({ model, warn }: Check): void {
  const irsa = new Map(model.serviceAccounts.map((sa, i) => [saId(sa), i]));
  (model.podIdentityAssociations ?? []).forEach((p, i) => {
    const j = irsa.get(podIdentityId(p));
    if (j === undefined) return;
    warn(
      ['iam', 'podIdentityAssociations', i],
      `${podIdentityId(p)} is also iam.serviceAccounts[${j}]: at run time Pod Identity wins (the EKS webhook gives pods the association's credentials, not the IRSA role's); remove one of the two unless you are migrating`,
    );
  });
}

/**
 * The rules for a `podidentityassociation` command: the cluster's name, region and tags, and every association.
 * The iamserviceaccount rules (withOIDC, iam.serviceAccounts) are not this command's business.
 */
export function validatePodIdentityModel(model: Check['model'], ctx: RuleContext): RuleResult {
  const { check, problems, warnings } = collectingCheck(model, ctx);
  for (const rule of [clusterName, clusterRegion, clusterTags]) rule(check);
  if (check.fromFile && ctx.kind !== 'get' && (model.podIdentityAssociations ?? []).length === 0) {
    // eksctl's text
    check.add(['iam', 'podIdentityAssociations'], 'no iam.podIdentityAssociations specified in the config file', 'add an iam.podIdentityAssociations list with the associations to manage');
  }
  checkPodIdentityAssociations(check);
  return { problems, warnings };
}
