import type { PodIdentityAssociationInfo } from '../aws/ports.js';
import { tokenStepResult } from './live-token.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { mechanismInEffect, type Mechanism } from '../model/mechanism.js';
import { POD_IDENTITY_AGENT_ADDON, POD_IDENTITY_SERVICE_PRINCIPAL } from '../model/pod-identity.js';
import { parseRoleArn } from '../model/arns.js';
import { createCommand, shellCommand } from '../model/suggested-commands.js';
import type { AssociationLookup, CheckResult, DoctorTarget, RoleLookup, ServiceAccountFacts } from './facts.js';
import { getRoleCommand, removeAnnotationCommand, restartPodsFix } from './fixes.js';
import { mentionsExternalId, podIdentityServiceTrust, podIdentityStatement, targetRoleStatement, targetRoleTrust, withStatement, type TrustGrant } from './pod-identity-trust.js';

// The doctor's checks of the EKS Pod Identity chain of one ServiceAccount: pure functions over what the doctor action
// gathered (facts.ts). checkPodIdentityChain is the one entry point, for the doctor and for the migration's
// verification phase; checkMechanism says which mechanism the pods get.

/** What the chain's checks read of a ServiceAccount: the migration gathers just these. */
export type PodIdentityChainFacts = Pick<ServiceAccountFacts, 'namespace' | 'name' | 'serviceAccount' | 'pods' | 'podIdentity'>;

/** The container-credentials variables the webhook sets for an association's pods. */
export const POD_IDENTITY_ENV = ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'] as const;

const associationOf = (facts: PodIdentityChainFacts): AssociationLookup => facts.podIdentity?.association ?? { kind: 'none' };
const annotationOf = (facts: ServiceAccountFacts): string | undefined => {
  const arn = facts.serviceAccount?.annotations[ROLE_ARN_ANNOTATION];
  return arn === undefined || arn.trim() === '' ? undefined : arn.trim();
};

/** The mechanism EKS's webhook gives the ServiceAccount's pods (an association wins over the annotation). */
export function mechanismOf(facts: ServiceAccountFacts): Mechanism {
  const a = associationOf(facts);
  return mechanismInEffect(a.kind === 'unknown' ? undefined : a.kind === 'found', annotationOf(facts) !== undefined);
}

const listShort = (items: string[], max = 5): string => (items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`);

// ---- commands the fixes name ----------------------------------------------------------------

const updateAssociationCommand = (t: DoctorTarget, a: PodIdentityAssociationInfo, ...flags: string[]): string =>
  shellCommand('aws', 'eks', 'update-pod-identity-association', '--cluster-name', t.cluster, '--association-id', a.associationId, ...flags, '--region', t.region);

const deleteAssociationCommand = (t: DoctorTarget, facts: ServiceAccountFacts): string =>
  shellCommand('irsactl', 'delete', 'podidentityassociation', '--cluster', t.cluster, '--region', t.region, '--namespace', facts.namespace, '--service-account-name', facts.name);

/** The IAM path of a role ARN (`/` when none), for create-role to make the same ARN. */
const rolePathOf = (arn: string): string => {
  const resource = arn.slice(arn.indexOf(':role/') + ':role'.length);
  return resource.slice(0, resource.lastIndexOf('/') + 1) || '/';
};

const createRoleCommand = (arn: string, name: string, trust: unknown): string => {
  const path = rolePathOf(arn);
  return shellCommand('aws', 'iam', 'create-role', '--role-name', name, ...(path !== '/' ? ['--path', path] : []), '--assume-role-policy-document', JSON.stringify(trust));
};

const putTrustCommand = (roleName: string, policy: unknown): string =>
  shellCommand('aws', 'iam', 'update-assume-role-policy', '--role-name', roleName, '--policy-document', JSON.stringify(policy));

const editTrustFix = (roleName: string, change: string): string => {
  const get = shellCommand('aws', 'iam', 'get-role', '--role-name', roleName, '--query', 'Role.AssumeRolePolicyDocument', '--output', 'json');
  const put = shellCommand('aws', 'iam', 'update-assume-role-policy', '--role-name', roleName, '--policy-document', 'file://trust.json');
  return `${change}: ${get} > trust.json, edit trust.json, then ${put}`;
};

// ---- mechanism ---------------------------------------------------------------------------------

/** Which mechanism is in effect, and an annotation an association shadows (naming both roles). */
export function checkMechanism(t: DoctorTarget, facts: ServiceAccountFacts): CheckResult {
  const a = associationOf(facts);
  const annotation = annotationOf(facts);
  if (a.kind === 'unknown') {
    return {
      id: 'mechanism',
      status: 'warn',
      message: `unknown: the cluster's Pod Identity associations could not be read (${a.message}), so an association may override ${annotation !== undefined ? 'the annotation' : 'nothing'}`,
      fix: 'allow eks:ListPodIdentityAssociations and eks:DescribePodIdentityAssociation on the cluster, and run the doctor again',
    };
  }
  if (a.kind === 'found') {
    const assoc = a.association;
    const base = `Pod Identity: association ${assoc.associationId} gives role ${assoc.roleArn}${assoc.targetRoleArn !== undefined ? ` (then ${assoc.targetRoleArn})` : ''}`;
    if (annotation === undefined) return { id: 'mechanism', status: 'pass', message: base };
    const sameRole = annotation === assoc.roleArn || annotation === assoc.targetRoleArn;
    return {
      id: 'mechanism',
      status: 'warn',
      message: sameRole
        ? `${base}; the ${ROLE_ARN_ANNOTATION} annotation names the same role but is shadowed: EKS's webhook gives the association's credentials, not web identity`
        : `${base}, not ${annotation} of the ${ROLE_ARN_ANNOTATION} annotation, which the association shadows: pods get ${assoc.roleArn}`,
      fix: `for Pod Identity, remove the annotation: ${removeAnnotationCommand(facts, ROLE_ARN_ANNOTATION)}; for IRSA, delete the association: ${deleteAssociationCommand(t, facts)}; then restart the pods`,
    };
  }
  if (annotation !== undefined) return { id: 'mechanism', status: 'pass', message: `IRSA: no Pod Identity association, so the annotation's role ${annotation} is used` };
  return {
    id: 'mechanism',
    status: 'fail',
    message: `none: no Pod Identity association and no ${ROLE_ARN_ANNOTATION} annotation, so pods get no AWS credentials from it`,
    fix: `${shellCommand('irsactl', 'create', 'podidentityassociation', '--cluster', t.cluster, '--region', t.region, '--namespace', facts.namespace, '--service-account-name', facts.name, '--role-arn', '<role ARN>')}, or ${createCommand({ cluster: t.cluster, region: t.region, namespace: facts.namespace, name: facts.name }, ['--override-existing-serviceaccounts'])}`,
  };
}

// ---- the chain ---------------------------------------------------------------------------------

type Found = Extract<AssociationLookup, { kind: 'found' }>;

function checkAssociationRole(t: DoctorTarget, facts: PodIdentityChainFacts, f: Found): CheckResult {
  const assoc = f.association;
  const parsed = parseRoleArn(assoc.roleArn);
  const ref = `association ${assoc.associationId}`;
  // The cluster's account: EKS only passes a role of its own account to pods; others go through targetRoleArn.
  const clusterAccount = t.oidc.accountId;
  if (parsed === undefined) {
    return { id: 'pod-identity-association', status: 'fail', message: `${ref} names ${assoc.roleArn}, which is not an IAM role ARN`, fix: updateAssociationCommand(t, assoc, '--role-arn', `<role ARN in account ${clusterAccount}>`) };
  }
  if (parsed.accountId !== clusterAccount) {
    return {
      id: 'pod-identity-association',
      status: 'fail',
      message: `${ref}'s role ${assoc.roleArn} is in account ${parsed.accountId}, not the cluster's ${clusterAccount}: EKS Pod Identity assumes only a role of the cluster's account, and reaches other accounts through a target role`,
      fix: `make a role in ${clusterAccount} that trusts ${POD_IDENTITY_SERVICE_PRINCIPAL}, then chain to this one: ${updateAssociationCommand(t, assoc, '--role-arn', `<role ARN in account ${clusterAccount}>`, '--target-role-arn', assoc.roleArn)}`,
    };
  }
  const missingSa = facts.serviceAccount === undefined ? `; ServiceAccount ${facts.namespace}/${facts.name} does not exist, so no pod uses it yet` : '';
  if (f.role.kind === 'unverifiable') {
    return {
      id: 'pod-identity-association',
      status: 'warn',
      message: `${ref} names role ${parsed.name} in the cluster's account ${parsed.accountId}; these credentials are for ${t.callerAccount}, so the role cannot be read from here${missingSa}`,
      fix: `run irsactl doctor with credentials for account ${parsed.accountId}, or check there: ${getRoleCommand(parsed.name)}`,
    };
  }
  if (f.role.kind === 'missing') {
    return {
      id: 'pod-identity-association',
      status: 'fail',
      message: `${ref} names role ${parsed.name}, which does not exist in account ${parsed.accountId}: pods get no credentials`,
      fix: `make the role again (then attach its permissions): ${createRoleCommand(assoc.roleArn, parsed.name, { Version: '2012-10-17', Statement: [podIdentityStatement()] })}, or point the association at an existing role: ${updateAssociationCommand(t, assoc, '--role-arn', '<role ARN>')}`,
    };
  }
  if (f.role.role.arn !== '' && f.role.role.arn !== assoc.roleArn) {
    return {
      id: 'pod-identity-association',
      status: 'fail',
      message: `${ref} names ${assoc.roleArn}, but role ${parsed.name}'s ARN is ${f.role.role.arn} (another path)`,
      fix: updateAssociationCommand(t, assoc, '--role-arn', f.role.role.arn),
    };
  }
  if (missingSa !== '') {
    return {
      id: 'pod-identity-association',
      status: 'warn',
      message: `${ref} and its role ${parsed.name} exist${missingSa}`,
      fix: shellCommand('kubectl', 'create', 'serviceaccount', '-n', facts.namespace, facts.name),
    };
  }
  return { id: 'pod-identity-association', status: 'pass', message: `${ref} and its role ${parsed.name} exist, in the cluster's account` };
}

const grantProblem = (g: TrustGrant, who: string): string | undefined =>
  g.deniedBy !== undefined ? `statement ${g.deniedBy} denies ${who}` : g.missing.length > 0 ? `no Allow statement grants ${who} ${g.missing.join(' and ')}` : undefined;

function checkTrust(f: Found): CheckResult {
  const role = f.role;
  if (role.kind !== 'found') return { id: 'pod-identity-trust', status: 'skip', message: `not checked: ${role.kind === 'missing' ? 'there is no role to read' : 'the role cannot be read with these credentials'}` };
  const g = podIdentityServiceTrust(role.role.trustPolicy);
  const problem = grantProblem(g, POD_IDENTITY_SERVICE_PRINCIPAL);
  if (problem === undefined) return { id: 'pod-identity-trust', status: 'pass', message: `role ${role.role.name} trusts ${POD_IDENTITY_SERVICE_PRINCIPAL} for sts:AssumeRole and sts:TagSession` };
  return {
    id: 'pod-identity-trust',
    status: 'fail',
    message: `role ${role.role.name}'s trust policy: ${problem}, so EKS cannot give pods its credentials`,
    fix:
      g.deniedBy !== undefined
        ? editTrustFix(role.role.name, `remove or narrow the Deny statement ${g.deniedBy}`)
        : `add the Pod Identity statement: ${putTrustCommand(role.role.name, withStatement(role.role.trustPolicy, podIdentityStatement()))}`,
  };
}

function checkTargetRole(t: DoctorTarget, f: Found): CheckResult | undefined {
  const assoc = f.association;
  const target = assoc.targetRoleArn;
  if (target === undefined) return undefined;
  const parsed = parseRoleArn(target);
  const needed = targetRoleStatement(assoc.roleArn, assoc.externalId);
  const lookup: RoleLookup = f.targetRole ?? { kind: 'unverifiable' };
  if (parsed === undefined) return { id: 'pod-identity-target-role', status: 'fail', message: `targetRoleArn ${target} is not an IAM role ARN`, fix: updateAssociationCommand(t, assoc, '--target-role-arn', '<role ARN>') };
  if (lookup.kind === 'unverifiable') {
    return {
      id: 'pod-identity-target-role',
      status: 'warn',
      message: `target role ${parsed.name} is in account ${parsed.accountId}, which these credentials cannot read: it must trust ${assoc.roleArn}${assoc.externalId !== undefined ? ` with sts:ExternalId ${assoc.externalId}` : ''}`,
      fix: `with credentials for ${parsed.accountId}, check ${getRoleCommand(parsed.name)} has the statement ${JSON.stringify(needed)}`,
    };
  }
  if (lookup.kind === 'missing') {
    return {
      id: 'pod-identity-target-role',
      status: 'fail',
      message: `target role ${parsed.name} does not exist in account ${parsed.accountId}`,
      fix: `make it (then attach its permissions): ${createRoleCommand(target, parsed.name, { Version: '2012-10-17', Statement: [needed] })}, or ${updateAssociationCommand(t, assoc, '--target-role-arn', '<role ARN>')}`,
    };
  }
  const g = targetRoleTrust(lookup.role.trustPolicy, assoc.roleArn, assoc.externalId);
  const problem = grantProblem(g, assoc.roleArn);
  if (problem === undefined) {
    const withId = mentionsExternalId(lookup.role.trustPolicy) ? `, with the association's external id` : '';
    return { id: 'pod-identity-target-role', status: 'pass', message: `target role ${parsed.name} trusts ${assoc.roleArn} for sts:AssumeRole and sts:TagSession${withId}` };
  }
  const externalIdNote = mentionsExternalId(lookup.role.trustPolicy) && assoc.externalId !== undefined ? ` (its sts:ExternalId must be the association's, ${assoc.externalId})` : '';
  return {
    id: 'pod-identity-target-role',
    status: 'fail',
    message: `target role ${parsed.name}'s trust policy: ${problem}${externalIdNote}, so EKS cannot chain into it`,
    fix:
      g.deniedBy !== undefined
        ? editTrustFix(lookup.role.name, `remove or narrow the Deny statement ${g.deniedBy}`)
        : `add the statement: ${putTrustCommand(lookup.role.name, withStatement(lookup.role.trustPolicy, needed))}`,
  };
}

function checkSessionPolicy(t: DoctorTarget, f: Found): CheckResult | undefined {
  const assoc = f.association;
  if (assoc.policy === undefined || assoc.policy === '') return undefined;
  if (assoc.disableSessionTags === true) return { id: 'pod-identity-session-policy', status: 'pass', message: 'a session policy narrows the role, with session tags disabled as EKS requires' };
  return {
    id: 'pod-identity-session-policy',
    status: 'fail',
    message: `association ${assoc.associationId} has a session policy but session tags are on: EKS applies a session policy only with disableSessionTags`,
    fix: updateAssociationCommand(t, assoc, '--disable-session-tags'),
  };
}

function checkAgent(t: DoctorTarget, facts: PodIdentityChainFacts): CheckResult {
  const agent = facts.podIdentity?.agent ?? { source: 'unknown', message: 'not read' };
  const describe = shellCommand('aws', 'eks', 'describe-addon', '--cluster-name', t.cluster, '--addon-name', POD_IDENTITY_AGENT_ADDON, '--region', t.region);
  switch (agent.source) {
    case 'auto-mode':
      return { id: 'pod-identity-agent', status: 'pass', message: 'EKS Auto Mode: the Pod Identity agent is built in, no add-on needed' };
    case 'unknown':
      return { id: 'pod-identity-agent', status: 'warn', message: `could not read the ${POD_IDENTITY_AGENT_ADDON} add-on: ${agent.message}`, fix: `allow eks:DescribeAddon, or check: ${describe}` };
    case 'missing':
      return {
        id: 'pod-identity-agent',
        status: 'fail',
        message: `no Pod Identity agent: the cluster is not in EKS Auto Mode and has no ${POD_IDENTITY_AGENT_ADDON} add-on, so pods cannot fetch the association's credentials`,
        fix: shellCommand('aws', 'eks', 'create-addon', '--cluster-name', t.cluster, '--addon-name', POD_IDENTITY_AGENT_ADDON, '--region', t.region),
      };
    case 'addon': {
      const version = agent.version !== undefined ? ` (${agent.version})` : '';
      if (agent.status === 'ACTIVE') return { id: 'pod-identity-agent', status: 'pass', message: `the ${POD_IDENTITY_AGENT_ADDON} add-on${version} is ACTIVE` };
      const transitional = agent.status === 'CREATING' || agent.status === 'UPDATING';
      return {
        id: 'pod-identity-agent',
        status: transitional ? 'warn' : 'fail',
        message: `the ${POD_IDENTITY_AGENT_ADDON} add-on${version} is ${agent.status}, not ACTIVE: pods may get no credentials until it is`,
        fix: transitional
          ? `wait, then check: ${describe}`
          : `read its health issues with ${describe} --query addon.health, then ${shellCommand('aws', 'eks', 'update-addon', '--cluster-name', t.cluster, '--addon-name', POD_IDENTITY_AGENT_ADDON, '--resolve-conflicts', 'OVERWRITE', '--region', t.region)}`,
      };
    }
  }
}

function checkPods(facts: PodIdentityChainFacts): CheckResult {
  if (facts.pods.kind === 'forbidden') return { id: 'pod-identity-pods', status: 'warn', message: `cannot list pods: ${facts.pods.message}` };
  const pods = facts.pods.pods.filter((p) => p.namespace === facts.namespace && p.serviceAccountName === facts.name);
  if (pods.length === 0) return { id: 'pod-identity-pods', status: 'skip', message: 'no pods use it' };
  const stale = pods.filter((p) => !p.containers.every((c) => POD_IDENTITY_ENV.every((v) => c.env[v] !== undefined)));
  if (stale.length === 0) return { id: 'pod-identity-pods', status: 'pass', message: `${pods.length} pod(s) use it, all with ${POD_IDENTITY_ENV.join(' and ')}` };
  const names = stale.map((p) => p.name);
  const onIrsa = stale.filter((p) => p.containers.some((c) => c.env.AWS_ROLE_ARN !== undefined)).map((p) => p.name);
  const irsaNote = onIrsa.length > 0 ? `; ${onIrsa.length} of them still have IRSA's AWS_ROLE_ARN: ${listShort(onIrsa)}` : '';
  return {
    id: 'pod-identity-pods',
    status: 'fail',
    message: `${stale.length} pod(s) without ${POD_IDENTITY_ENV.join(' or ')}, so started before the association (the webhook sets them only at pod creation): ${listShort(names)}${irsaNote}`,
    fix: `restart them: ${restartPodsFix(facts.namespace, names)}`,
  };
}

function checkLive(facts: PodIdentityChainFacts, f: Found): CheckResult {
  const live = facts.podIdentity?.live ?? { kind: 'not-requested' };
  const ref = `${facts.namespace}/${facts.name}`;
  switch (live.kind) {
    case 'not-requested':
      return { id: 'pod-identity-live', status: 'skip', message: 'not run: --live mints a token for pods.eks.amazonaws.com and calls EKS Auth AssumeRoleForPodIdentity' };
    case 'not-run':
    case 'token-forbidden':
    case 'token-failed':
      return tokenStepResult('pod-identity-live', facts.namespace, facts.name, live);
    case 'auth-failed':
      return { id: 'pod-identity-live', status: 'fail', message: `EKS Auth AssumeRoleForPodIdentity with a token for ${ref} failed: ${live.message}`, fix: 'fix the failures above; EKS Auth names the broken link in its message' };
    case 'assumed': {
      const expected = [f.association.targetRoleArn, f.association.roleArn].flatMap((arn) => {
        const p = arn === undefined ? undefined : parseRoleArn(arn);
        return p === undefined ? [] : [`arn:${p.partition}:sts::${p.accountId}:assumed-role/${p.name}/`];
      });
      if (live.associationId !== f.association.associationId || !expected.some((prefix) => live.assumedRoleArn.startsWith(prefix))) {
        return { id: 'pod-identity-live', status: 'fail', message: `EKS Auth answered ${live.assumedRoleArn} of association ${live.associationId}, not a session of association ${f.association.associationId}'s role` };
      }
      return { id: 'pod-identity-live', status: 'pass', message: `a token for ${ref} assumed ${live.assumedRoleArn} (association ${live.associationId})` };
    }
  }
}

/**
 * Every Pod Identity check of one ServiceAccount, in order; none when it has no association (or they could not be
 * listed: checkMechanism says so). Pure: the migration calls it with the facts it gathered.
 */
export function checkPodIdentityChain(t: DoctorTarget, facts: PodIdentityChainFacts): CheckResult[] {
  const a = associationOf(facts);
  if (a.kind !== 'found') return [];
  const optional = [checkTargetRole(t, a), checkSessionPolicy(t, a)].filter((c): c is CheckResult => c !== undefined);
  return [checkAssociationRole(t, facts, a), checkTrust(a), ...optional, checkAgent(t, facts), checkPods(facts), checkLive(facts, a)];
}
