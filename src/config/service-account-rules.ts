import { controllerPolicyProblems, upstreamVersions, wellKnownInputProblems } from '../cfn/well-known-policies.js';
import { iamArnAccount, isAccountId } from '../model/arns.js';
import { WELL_KNOWN_POLICY_KEYS, saId, type ClusterModel, type ServiceAccountSpec, type WellKnownPolicyKey, type WellKnownPolicySelection } from '../model/service-account.js';
import {
  ROLE_NAME_MAX,
  STACK_NAME_MAX,
  SUBJECT_PATTERN_RE,
  isClusterName,
  isNamespace,
  isRoleName,
  isServiceAccountName,
  stackNameProblem,
} from './names.js';
import type { Path, PathSegment } from './problems.js';
import { RENDERS_STACKS, checkTagMap, type Check, type ServiceAccountRule } from './rules.js';
import type { CommandKind } from './types.js';

// The rules each service account must pass, in the order their problems are listed.

const serviceAccountName: ServiceAccountRule = ({ sa, i, at, fromFile, add }) => {
  if (sa.name === '') {
    if (fromFile) add(at('metadata', 'name'), `iam.serviceAccounts[${i}].name must be set`, 'add "name: <service account>" under metadata');
  } else if (!isServiceAccountName(sa.name)) {
    const wildcard = /[*?]/.test(sa.name) ? '; for a wildcard trust set subjectPattern instead' : '';
    add(
      at('metadata', 'name'),
      `"${sa.name}" is not a valid Kubernetes service account name`,
      `use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters${wildcard}`,
    );
  }
};

const namespace: ServiceAccountRule = ({ sa, at, add }) => {
  if (!isNamespace(sa.namespace)) {
    add(
      at('metadata', 'namespace'),
      `"${sa.namespace}" is not a valid Kubernetes namespace`,
      'use lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
    );
  }
};

const uniqueId: ServiceAccountRule = ({ sa, i, at, firstIndexById, add }) => {
  if (sa.name === '') return;
  const id = saId(sa);
  const first = firstIndexById.get(id);
  if (first === undefined || first === i) return;
  add(
    at('metadata', 'name'),
    `${id} of iam.serviceAccounts[${i}] "${id}" is not unique (iam.serviceAccounts[${first}] has it too)`,
    'remove one of the two entries or give it another name or namespace',
  );
};

const usesWellKnown = (sa: ServiceAccountSpec): boolean => WELL_KNOWN_POLICY_KEYS.some((k) => sa.wellKnownPolicies[k]);
const usesControllerPolicies = (sa: ServiceAccountSpec): boolean => (sa.controllerPolicies?.length ?? 0) > 0;

const permissionsGiven: ServiceAccountRule = ({ sa, i, at, ctx, fromFile, add }) => {
  const hasPolicy = usesWellKnown(sa) || usesControllerPolicies(sa) || sa.attachPolicyARNs.length > 0 || sa.attachPolicy !== undefined;
  if (!(fromFile || RENDERS_STACKS.has(ctx.kind)) || sa.attachRoleARN !== undefined || hasPolicy) return;
  if (fromFile) {
    // eksctl's exact text, spacing quirks included (validation.go), so searches find it.
    const p = `iam.serviceAccounts[${i}]`;
    add(
      at(),
      `${p}.wellKnownPolicies, ${p}.attachPolicyARNs,${p}.attachRoleARN  or ${p}.attachPolicy must be set`,
      'give the role permissions with attachPolicyARNs, attachPolicy or wellKnownPolicies, or use an existing role with attachRoleARN',
    );
  } else {
    add(
      at('attachPolicyARNs'),
      '--attach-policy-arn or --attach-role-arn must be set',
      'pass --attach-policy-arn <policy ARN> (repeatable), or --attach-role-arn <role ARN> to use an existing role; wellKnownPolicies and attachPolicy need a config file (-f)',
    );
  }
};

/** An existing role is used as is: no stack, so these would be silently ignored (eksctl does ignore them in files). */
const existingRoleAlone: ServiceAccountRule = ({ sa, at, ctx, fromFile, add }) => {
  if (sa.attachRoleARN === undefined) return;
  const { label } = ctx.loc;
  const conflicts: [boolean, Path][] = [
    [sa.attachPolicyARNs.length > 0, at('attachPolicyARNs')],
    [sa.attachPolicy !== undefined, at('attachPolicy')],
    [usesWellKnown(sa), at('wellKnownPolicies')],
    [usesControllerPolicies(sa), at('controllerPolicies')],
    [sa.roleName !== undefined, at('roleName')],
    [sa.permissionsBoundary !== undefined, at('permissionsBoundary')],
    [sa.subjectPattern !== undefined, at('subjectPattern')],
    [!fromFile && sa.roleOnly, at('roleOnly')],
  ];
  for (const [present, path] of conflicts) {
    if (!present) continue;
    add(
      at('attachRoleARN'),
      `cannot be combined with ${label(path)}`,
      `${label(at('attachRoleARN'))} uses an existing role unchanged; drop ${label(path)}, or drop ${label(at('attachRoleARN'))} to have irsactl create the role`,
    );
  }
};

const roleName: ServiceAccountRule = ({ sa, at, add }) => {
  if (sa.roleName !== undefined && !isRoleName(sa.roleName)) {
    add(at('roleName'), `"${sa.roleName}" is not a valid IAM role name`, `use at most ${ROLE_NAME_MAX} letters, digits and + = , . @ _ -`);
  }
};

/** Whether this service account gets a stack this command renders: the other rules accepted the names it is made of. */
export function rendersStack(model: ClusterModel, sa: ServiceAccountSpec, kind: CommandKind): boolean {
  return (
    sa.attachRoleARN === undefined &&
    RENDERS_STACKS.has(kind) &&
    isClusterName(model.name) &&
    sa.name !== '' &&
    isServiceAccountName(sa.name) &&
    isNamespace(sa.namespace)
  );
}

// Only where a stack is made or changed: a name CloudFormation cannot carry (a "." in it) has no stack to find,
// so get, delete and doctor accept it like any valid ServiceAccount name (e.g. one made with attachRoleARN).
const stackName: ServiceAccountRule = ({ model, sa, at, ctx, add }) => {
  if (!rendersStack(model, sa, ctx.kind)) return;
  const bad = stackNameProblem(model.name, sa);
  if (bad === undefined) return;
  const { stack, tooLong } = bad;
  add(
    at('metadata', 'name'),
    `its CloudFormation stack name "${stack}" ${tooLong ? `is ${stack.length} characters, more than ${STACK_NAME_MAX}` : 'has characters CloudFormation does not allow (only letters, digits and "-")'}`,
    tooLong
      ? 'shorten the cluster, namespace or service account name'
      : 'rename the service account without "." (eksctl-compatible stack names are built from it verbatim)',
  );
};

const arns: ServiceAccountRule = (c) => {
  const { sa, at } = c;
  sa.attachPolicyARNs.forEach((arn, k) => checkArn(c, arn, 'policy', at('attachPolicyARNs', k)));
  if (sa.permissionsBoundary !== undefined) checkArn(c, sa.permissionsBoundary, 'policy', at('permissionsBoundary'));
  if (sa.attachRoleARN !== undefined) checkArn(c, sa.attachRoleARN, 'role', at('attachRoleARN'));
};

export function checkArn({ add, warn }: Check, arn: string, type: 'policy' | 'role', path: Path): void {
  const account = iamArnAccount(arn, type);
  const example =
    type === 'policy'
      ? 'arn:aws:iam::<12-digit account id>:policy/<name>, or arn:aws:iam::aws:policy/<name> for an AWS-managed policy'
      : 'arn:aws:iam::<12-digit account id>:role/<name>';
  if (account === undefined || account === '') {
    add(path, `"${arn}" is not an IAM ${type} ARN`, `use ${example}`);
    return;
  }
  if (isAccountId(account) || (type === 'policy' && account === 'aws')) return;
  // A warning, not an error: eksctl's own examples and docs use placeholders like 123.
  warn(path, `account id "${account}" in "${arn}" is not 12 digits; IAM will reject it unless you replace it`);
}

const subjectPattern: ServiceAccountRule = ({ sa, at, ctx, add }) => {
  if (sa.subjectPattern === undefined) return;
  if (!SUBJECT_PATTERN_RE.test(sa.subjectPattern)) {
    add(
      at('subjectPattern'),
      `"${sa.subjectPattern}" is not a service account name pattern`,
      'use lower-case letters, digits, "-", "." and the wildcards * and ?; it matches the name after system:serviceaccount:<namespace>:',
    );
  } else if (/^\*+$/.test(sa.subjectPattern) && !ctx.allowWildcardSubject) {
    add(
      at('subjectPattern'),
      `"${sa.subjectPattern}" lets every service account in namespace "${sa.namespace}" assume the role`,
      'narrow the pattern (e.g. "app-*"), or pass --allow-wildcard-subject if that is really intended',
    );
  }
};

const serviceAccountTags: ServiceAccountRule = ({ sa, at, add }) => checkTagMap(sa.tags, at('tags'), add);

const emptyAttachPolicy: ServiceAccountRule = ({ sa, at, warn }) => {
  if (sa.attachPolicy !== undefined && Object.keys(sa.attachPolicy).length === 0) {
    warn(at('attachPolicy'), 'is empty, so it grants nothing (eksctl accepts it too)');
  }
};

/** What a wellKnownPolicies selection sits on: a service account or a pod identity association. */
interface WellKnownOwner {
  wellKnownPolicies: Readonly<Record<WellKnownPolicyKey, boolean>>;
  wellKnownPolicySelection?: WellKnownPolicySelection | undefined;
}

/**
 * Pinned versions must be catalogued ones, of controllers the upstream profile has, under that profile; inputs go with
 * an enabled key of the upstream profile, and must be ones its document takes. Shared with pod identity associations.
 */
export function wellKnownSelectionProblems(owner: WellKnownOwner, at: (...rest: PathSegment[]) => Path, add: Check['add']): void {
  const sel = owner.wellKnownPolicySelection;
  if (sel === undefined) return;
  for (const [key, version] of Object.entries(sel.versions)) {
    const where = at('wellKnownPolicyVersions', key);
    const known = upstreamVersions(key);
    if (sel.profile !== 'upstream') {
      add(where, `pins a controller version, but the profile is "${sel.profile}" (eksctl's statements have no versions)`, 'set wellKnownPolicyProfile: upstream, or remove wellKnownPolicyVersions');
    } else if (known.length === 0) {
      add(where, `${key} has no upstream document (it is a managed policy in every profile)`, `remove ${key} from wellKnownPolicyVersions`);
    } else if (!known.includes(version)) {
      add(where, `"${version}" is not a catalogued ${key} version; known: ${known.join(', ')}`, 'use one of the known versions (irsactl policies list shows them), or leave it out for the newest');
    }
  }
  for (const key of Object.keys(sel.inputs ?? {}) as WellKnownPolicyKey[]) {
    const where = at('wellKnownPolicyInputs', key);
    if (sel.profile !== 'upstream') {
      add(where, `gives inputs, but the profile is "${sel.profile}" (eksctl's statements take none)`, 'set wellKnownPolicyProfile: upstream, or remove wellKnownPolicyInputs');
    } else if (!owner.wellKnownPolicies[key]) {
      add(where, `gives inputs for ${key}, which wellKnownPolicies does not enable`, `add wellKnownPolicies: {${key}: true}, or remove these inputs`);
    } else {
      for (const [path, message, fix] of wellKnownInputProblems(key, sel)) add(at('wellKnownPolicyInputs', key, ...path), message, fix);
    }
  }
}

const wellKnownSelection: ServiceAccountRule = ({ sa, at, add }) => wellKnownSelectionProblems(sa, at, add);

const controllerPolicies: ServiceAccountRule = ({ sa, at, add }) => {
  for (const cp of sa.controllerPolicies ?? []) {
    for (const [path, message, fix] of controllerPolicyProblems(cp)) add(at('controllerPolicies', cp.name, ...path), message, fix);
  }
};

export const SERVICE_ACCOUNT_RULES: readonly ServiceAccountRule[] = [
  serviceAccountName,
  namespace,
  uniqueId,
  permissionsGiven,
  existingRoleAlone,
  roleName,
  stackName,
  arns,
  subjectPattern,
  serviceAccountTags,
  emptyAttachPolicy,
  wellKnownSelection,
  controllerPolicies,
];
