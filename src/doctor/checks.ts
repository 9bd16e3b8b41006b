import { parseRoleArn, providerArnFor, type ParsedRoleArn } from '../model/arns.js';
import { tokenStepResult } from './live-token.js';
import type { PodObject } from '../k8s/ports.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { STS_AUDIENCE, subjectOf } from '../model/oidc.js';
import { associateCommand, createCommand, deleteCommand, shellCommand } from '../model/suggested-commands.js';
import {
  AUDIENCE_ANNOTATION,
  expectedAudience,
  MAX_TOKEN_EXPIRATION,
  MIN_TOKEN_EXPIRATION,
  REGIONAL_STS_ANNOTATION,
  TOKEN_EXPIRATION_ANNOTATION,
  type CheckResult,
  type DoctorTarget,
  type ServiceAccountFacts,
} from './facts.js';
import {
  addClientIdCommand,
  annotateCommand,
  createProviderCommand,
  getRoleCommand,
  removeAnnotationCommand,
  restartPodsFix,
  targetOf,
  trustPolicyFix,
} from './fixes.js';
import { evaluateStatement, statementsOf } from './iam-conditions.js';
import { checkMechanism, checkPodIdentityChain, mechanismOf } from './pod-identity-checks.js';

// The doctor's checks: pure functions over data the action gathered. Each returns one finding that names the broken
// link and the command or change that repairs it.

const roleArnOf = (facts: ServiceAccountFacts): string | undefined => facts.serviceAccount?.annotations[ROLE_ARN_ANNOTATION];
const parsedRoleOf = (facts: ServiceAccountFacts): ParsedRoleArn | undefined => {
  const arn = roleArnOf(facts);
  return arn === undefined ? undefined : parseRoleArn(arn);
};
/** The account whose IAM must hold the provider: the role's, else the cluster's. */
const roleAccountOf = (t: DoctorTarget, facts: ServiceAccountFacts) => parsedRoleOf(facts)?.accountId ?? t.oidc.accountId;

const listShort = (items: string[], max = 5): string =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;

// ---- 1. OIDC provider ----------------------------------------------------------------------

export function checkOidcProvider(t: DoctorTarget, facts: ServiceAccountFacts): CheckResult {
  const account = roleAccountOf(t, facts);
  const arn = providerArnFor(t.oidc, account);
  const lookup = facts.provider;
  if (lookup.kind === 'unverifiable') {
    return {
      id: 'oidc-provider',
      status: 'warn',
      message: `the role is in account ${account} and these credentials are for ${t.callerAccount}: cannot verify that ${arn} exists (cross-account IRSA needs it in the role's account)`,
      fix: `in account ${account}: ${createProviderCommand(t)}`,
    };
  }
  if (lookup.kind === 'missing') {
    const others = lookup.otherArns.filter((a) => a !== arn).map((a) => a.replace(/^.*:oidc-provider\//, ''));
    const note = others.length > 0 ? `; account ${account} has providers for other issuers only (${listShort(others, 3)}): a re-created cluster gets a new issuer` : '';
    return {
      id: 'oidc-provider',
      status: 'fail',
      message: `no IAM OIDC provider for issuer ${t.oidc.issuerHostPath} in account ${account}${note}`,
      fix:
        account === t.oidc.accountId
          ? associateCommand(t)
          : `in account ${account}: ${createProviderCommand(t)}`,
    };
  }
  const p = lookup.provider;
  if (!p.clientIds.includes(STS_AUDIENCE)) {
    return {
      id: 'oidc-provider',
      status: 'fail',
      message: `${p.arn} does not list ${STS_AUDIENCE} among its client ids (${p.clientIds.join(', ') || 'none'}): STS rejects the pods' tokens`,
      fix: addClientIdCommand(p.arn),
    };
  }
  return { id: 'oidc-provider', status: 'pass', message: `${p.arn} (client ids: ${p.clientIds.join(', ')})` };
}

// ---- 2. ServiceAccount and role ------------------------------------------------------------

export function checkServiceAccount(t: DoctorTarget, facts: ServiceAccountFacts): CheckResult {
  const ref = `${facts.namespace}/${facts.name}`;
  const sa = facts.serviceAccount;
  if (sa === undefined) {
    return {
      id: 'service-account',
      status: 'fail',
      message: `ServiceAccount ${ref} does not exist`,
      fix: createCommand(targetOf(t, facts)),
    };
  }
  const arn = sa.annotations[ROLE_ARN_ANNOTATION];
  if (arn === undefined || arn.trim() === '') {
    return {
      id: 'service-account',
      status: 'fail',
      message: `ServiceAccount ${ref} has no ${ROLE_ARN_ANNOTATION} annotation`,
      fix: annotateCommand(facts, ROLE_ARN_ANNOTATION, `arn:${t.oidc.partition}:iam::<account>:role/<role name>`),
    };
  }
  const parsed = parseRoleArn(arn);
  if (parsed === undefined) {
    return {
      id: 'service-account',
      status: 'fail',
      message: `${ROLE_ARN_ANNOTATION} "${arn}" is not an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<name>)`,
      fix: annotateCommand(facts, ROLE_ARN_ANNOTATION, `arn:${t.oidc.partition}:iam::<account>:role/<role name>`),
    };
  }
  const role = facts.role;
  if (role.kind === 'unverifiable') {
    return {
      id: 'service-account',
      status: 'warn',
      message: `role ${parsed.name} is in account ${parsed.accountId}; these credentials are for ${t.callerAccount}, so its existence and trust policy cannot be read from here`,
      fix: `run irsactl doctor with credentials for account ${parsed.accountId} able to read IAM, or check there: ${getRoleCommand(parsed.name)}`,
    };
  }
  if (role.kind === 'missing') {
    return {
      id: 'service-account',
      status: 'fail',
      message: `the annotation names role ${parsed.name}, which does not exist in account ${parsed.accountId}`,
      // A stack still naming the deleted role would only hand the same ARN back to create: replace the stack.
      fix:
        facts.managedStack !== undefined
          ? `the role was deleted outside CloudFormation and its stack ${facts.managedStack} remains: replace the stack with ${deleteCommand(targetOf(t, facts))}, then ${createCommand(targetOf(t, facts))}`
          : `create it: ${createCommand(targetOf(t, facts), ['--override-existing-serviceaccounts'])}, or annotate an existing role: ${annotateCommand(facts, ROLE_ARN_ANNOTATION, '<role ARN>')}`,
    };
  }
  if (role.role.arn !== '' && role.role.arn !== parsed.arn) {
    return {
      id: 'service-account',
      status: 'warn',
      message: `the annotation says ${parsed.arn}, but role ${parsed.name}'s ARN is ${role.role.arn} (a different path): STS needs the exact ARN`,
      fix: annotateCommand(facts, ROLE_ARN_ANNOTATION, role.role.arn),
    };
  }
  return { id: 'service-account', status: 'pass', message: `${ref} is annotated with ${parsed.arn}, which exists` };
}

// ---- 3. Trust policy ----------------------------------------------------------------------

export function checkTrustPolicy(t: DoctorTarget, facts: ServiceAccountFacts): CheckResult {
  const parsed = parsedRoleOf(facts);
  if (facts.role.kind !== 'found' || parsed === undefined) {
    const why = facts.role.kind === 'unverifiable' ? `the role is in account ${parsed?.accountId ?? '?'}, which these credentials cannot read` : 'there is no role to read';
    return { id: 'trust-policy', status: 'skip', message: `not checked: ${why}` };
  }
  const role = facts.role.role;
  const subject = subjectOf(facts);
  const expected = {
    hostPath: t.oidc.issuerHostPath,
    providerArn: providerArnFor(t.oidc, parsed.accountId),
    subject,
    audience: expectedAudience(facts.serviceAccount),
    roleAccount: parsed.accountId,
  };
  const verdicts = statementsOf(role.trustPolicy).map((s, i) => evaluateStatement(s, i, expected));
  const denying = verdicts.find((v) => !v.allow && v.admits);
  if (denying) {
    return {
      id: 'trust-policy',
      status: 'fail',
      message: `statement ${denying.index + 1} of role ${role.name}'s trust policy denies ${subject}`,
      fix: trustPolicyFix(t, facts, role, `remove or narrow the Deny statement ${denying.index + 1}`, parsed.accountId),
    };
  }
  const admitting = verdicts.find((v) => v.allow && v.admits);
  if (admitting) {
    const base = `statement ${admitting.index + 1} lets ${subject} in (${admitting.summary})`;
    if (admitting.warnings.length > 0) return { id: 'trust-policy', status: 'warn', message: `${base}; but ${admitting.warnings.join('; ')}` };
    return { id: 'trust-policy', status: 'pass', message: base };
  }
  const candidates = verdicts.filter((v) => v.allow && v.relevant).sort((a, b) => a.problems.length - b.problems.length);
  const best = candidates[0];
  if (best === undefined || best.problems.length === 0) {
    return {
      id: 'trust-policy',
      status: 'fail',
      message: `role ${role.name}'s trust policy has no Allow statement for web identity (Federated ${expected.providerArn}, sts:AssumeRoleWithWebIdentity)`,
      fix: trustPolicyFix(t, facts, role, `add a statement allowing sts:AssumeRoleWithWebIdentity to ${expected.providerArn} with StringEquals ${expected.hostPath}:sub "${subject}" and ${expected.hostPath}:aud "${expected.audience}"`, parsed.accountId),
    };
  }
  return {
    id: 'trust-policy',
    status: 'fail',
    message: `role ${role.name} does not trust ${subject}: ${best.problems.map((p) => p.what).join('; ')}`,
    fix: trustPolicyFix(t, facts, role, best.problems.map((p) => p.change).join('; '), parsed.accountId),
  };
}

// ---- 4. Webhook annotations ---------------------------------------------------------------

export function checkWebhookAnnotations(_t: DoctorTarget, facts: ServiceAccountFacts): CheckResult {
  const sa = facts.serviceAccount;
  if (sa === undefined) return { id: 'webhook-annotations', status: 'skip', message: 'not checked: no ServiceAccount' };
  const fails: { what: string; fix: string }[] = [];
  const warns: { what: string; fix: string }[] = [];
  const set: string[] = [];

  const audience = sa.annotations[AUDIENCE_ANNOTATION];
  if (audience !== undefined) {
    set.push(`audience ${audience}`);
    if (facts.provider.kind === 'found' && !facts.provider.provider.clientIds.includes(audience.trim())) {
      fails.push({
        what: `${AUDIENCE_ANNOTATION} "${audience}" is not a client id of ${facts.provider.provider.arn} (${facts.provider.provider.clientIds.join(', ')}): STS rejects the token`,
        fix: `${removeAnnotationCommand(facts, AUDIENCE_ANNOTATION)} (the default is ${STS_AUDIENCE}), or add the client id to the provider`,
      });
    }
  }
  const regional = sa.annotations[REGIONAL_STS_ANNOTATION];
  if (regional !== undefined) {
    set.push(`sts-regional-endpoints ${regional}`);
    if (regional !== 'true' && regional !== 'false') {
      warns.push({ what: `${REGIONAL_STS_ANNOTATION} "${regional}" is neither "true" nor "false": the webhook ignores it`, fix: annotateCommand(facts, REGIONAL_STS_ANNOTATION, 'true') });
    }
  }
  const expiration = sa.annotations[TOKEN_EXPIRATION_ANNOTATION];
  if (expiration !== undefined) {
    set.push(`token-expiration ${expiration}`);
    const seconds = /^\d+$/.test(expiration.trim()) ? Number(expiration.trim()) : NaN;
    if (!Number.isInteger(seconds) || seconds < MIN_TOKEN_EXPIRATION || seconds > MAX_TOKEN_EXPIRATION) {
      warns.push({
        what: `${TOKEN_EXPIRATION_ANNOTATION} "${expiration}" is not whole seconds from ${MIN_TOKEN_EXPIRATION} to ${MAX_TOKEN_EXPIRATION}: the webhook uses its default or clamps it`,
        fix: annotateCommand(facts, TOKEN_EXPIRATION_ANNOTATION, '86400'),
      });
    }
  }
  const problems = fails.length > 0 ? fails : warns;
  if (problems.length > 0) {
    return { id: 'webhook-annotations', status: fails.length > 0 ? 'fail' : 'warn', message: problems.map((p) => p.what).join('; '), fix: problems.map((p) => p.fix).join('; ') };
  }
  return {
    id: 'webhook-annotations',
    status: 'pass',
    message: set.length > 0 ? `valid: ${set.join(', ')}` : `none set (defaults: audience ${STS_AUDIENCE}, token-expiration 86400)`,
  };
}

// ---- 5. Pods -------------------------------------------------------------------------------

const isNonRoot = (pod: PodObject, c: PodObject['containers'][number]): boolean => {
  const runAsUser = c.runAsUser ?? pod.runAsUser;
  const runAsNonRoot = c.runAsNonRoot ?? pod.runAsNonRoot;
  return (runAsUser !== undefined && runAsUser !== 0) || runAsNonRoot === true;
};

export function checkPods(t: DoctorTarget, facts: ServiceAccountFacts): CheckResult {
  if (facts.pods.kind === 'forbidden') return { id: 'pods', status: 'warn', message: `cannot list pods: ${facts.pods.message}` };
  const sa = facts.serviceAccount;
  const annotated = sa?.annotations[ROLE_ARN_ANNOTATION];
  if (sa === undefined || annotated === undefined) return { id: 'pods', status: 'skip', message: 'not checked: no annotated ServiceAccount' };
  const pods = facts.pods.pods.filter((p) => p.namespace === facts.namespace && p.serviceAccountName === facts.name);
  if (pods.length === 0) return { id: 'pods', status: 'skip', message: 'no pods use it' };
  const audience = expectedAudience(sa);

  const unmutated: string[] = [];
  const onPodIdentity: string[] = [];
  const stale = new Map<string, string[]>(); // old role ARN → pods
  const wrongAudience: string[] = [];
  const noFsGroup: string[] = [];
  for (const pod of pods) {
    const tokenVolume = pod.volumes.find((v) => v.projectedServiceAccountTokenAudience !== undefined);
    const injected = pod.containers.every((c) => c.env.AWS_ROLE_ARN !== undefined && c.env.AWS_WEB_IDENTITY_TOKEN_FILE !== undefined);
    if (!injected || tokenVolume === undefined) {
      // Started while an association existed (the webhook gave container credentials): e.g. after a way back to IRSA.
      if (pod.containers.some((c) => c.env.AWS_CONTAINER_CREDENTIALS_FULL_URI !== undefined)) onPodIdentity.push(pod.name);
      else unmutated.push(pod.name);
      continue;
    }
    const roleArns = new Set(pod.containers.map((c) => c.env.AWS_ROLE_ARN ?? ''));
    for (const arn of roleArns) {
      if (arn !== annotated) stale.set(arn, [...(stale.get(arn) ?? []), pod.name]);
    }
    if (tokenVolume.projectedServiceAccountTokenAudience !== audience) wrongAudience.push(pod.name);
    if (pod.fsGroup === undefined && pod.containers.some((c) => isNonRoot(pod, c))) noFsGroup.push(pod.name);
  }

  const ns = facts.namespace;
  const fails: { what: string; names: string[] }[] = [];
  if (unmutated.length > 0) {
    fails.push({
      what: `${unmutated.length} pod(s) without AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE or the projected token volume, so the pod identity webhook did not mutate them (created before the annotation, or the webhook is not running): ${listShort(unmutated)}`,
      names: unmutated,
    });
  }
  if (onPodIdentity.length > 0) {
    fails.push({
      what: `${onPodIdentity.length} pod(s) still get EKS Pod Identity credentials (started while an association existed), not ${annotated}: ${listShort(onPodIdentity)}`,
      names: onPodIdentity,
    });
  }
  for (const [old, names] of stale) {
    fails.push({ what: `${names.length} pod(s) still use ${old === '' ? 'an empty AWS_ROLE_ARN' : `the old role ${old}`}, not ${annotated}: ${listShort(names)}`, names });
  }
  if (wrongAudience.length > 0) {
    fails.push({ what: `${wrongAudience.length} pod(s) have a token for another audience than "${audience}": ${listShort(wrongAudience)}`, names: wrongAudience });
  }
  if (fails.length > 0) {
    const names = [...new Set(fails.flatMap((f) => f.names))];
    return { id: 'pods', status: 'fail', message: fails.map((f) => f.what).join('; '), fix: `restart them: ${restartPodsFix(ns, names)}` };
  }
  if (noFsGroup.length > 0) {
    return {
      id: 'pods',
      status: 'warn',
      message: `${noFsGroup.length} pod(s) run as non-root without securityContext.fsGroup, so older AWS SDKs cannot read the token file: ${listShort(noFsGroup)}`,
      fix: 'set spec.securityContext.fsGroup (e.g. 65534) in their pod template',
    };
  }
  return { id: 'pods', status: 'pass', message: `${pods.length} pod(s) use it, all injected with the current role` };
}

// ---- 6. Live test --------------------------------------------------------------------------

export function checkLive(t: DoctorTarget, facts: ServiceAccountFacts): CheckResult {
  const live = facts.live;
  const ref = `${facts.namespace}/${facts.name}`;
  switch (live.kind) {
    case 'not-requested':
      return { id: 'live', status: 'skip', message: 'not run: --live mints a token and calls STS AssumeRoleWithWebIdentity' };
    case 'not-run':
    case 'token-forbidden':
    case 'token-failed':
      return tokenStepResult('live', facts.namespace, facts.name, live);
    case 'sts-failed':
      return { id: 'live', status: 'fail', message: `STS AssumeRoleWithWebIdentity with a token for ${ref} failed: ${live.message}`, fix: 'fix the failures above; STS names the first broken link in its message' };
    case 'assumed': {
      const role = parsedRoleOf(facts);
      const expectedPrefix = role === undefined ? undefined : `arn:${role.partition}:sts::${role.accountId}:assumed-role/${role.name}/`;
      if (expectedPrefix !== undefined && !live.assumedRoleArn.startsWith(expectedPrefix)) {
        return { id: 'live', status: 'fail', message: `STS returned ${live.assumedRoleArn}, not a session of ${role?.arn}` };
      }
      return { id: 'live', status: 'pass', message: `a token for ${ref} assumed ${live.assumedRoleArn}` };
    }
  }
}

/**
 * A warning, not a failure: the role works, but the controller's calls that need the missing actions fail (some only
 * with an optional feature, e.g. external-dns's --aws-zone-tags). Only for a stack with a well-known inline policy.
 */
export function checkWellKnownPolicies(t: DoctorTarget, facts: ServiceAccountFacts): CheckResult | undefined {
  const coverage = facts.wellKnownCoverage;
  if (coverage === undefined || coverage.length === 0) return undefined;
  const lacking = coverage.filter((c) => c.missing.length > 0);
  if (lacking.length === 0) return { id: 'well-known-policies', status: 'pass', message: `${coverage.map((c) => `${c.policy} covers ${c.version}`).join('; ')}` };
  return {
    id: 'well-known-policies',
    status: 'warn',
    message: lacking.map((c) => `${c.policy} lacks ${c.missing.join(', ')} (needed by ${c.version})`).join('; '),
    fix: `set wellKnownPolicyProfile: upstream for ${facts.namespace}/${facts.name} and apply; \`${shellCommand('irsactl', 'policies', 'outdated', '--cluster', t.cluster, '--region', t.region)}\` lists every such role`,
  };
}

/** IRSA's checks of an annotation an association shadows: still run (the way back), but what fails is only a warning. */
const shadowed = (c: CheckResult): CheckResult =>
  c.status === 'fail' ? { ...c, status: 'warn', message: `not in effect (the Pod Identity association wins): ${c.message}` } : c;

/**
 * Every check for one ServiceAccount, in order: the mechanism, IRSA's chain when the annotation is there (or nothing
 * is), and the Pod Identity chain when there is an association.
 */
export function runChecks(t: DoctorTarget, facts: ServiceAccountFacts): CheckResult[] {
  const mechanism = mechanismOf(facts);
  const annotated = roleArnOf(facts) !== undefined;
  const irsa = (): CheckResult[] => {
    const wellKnown = checkWellKnownPolicies(t, facts);
    return [
      checkOidcProvider(t, facts),
      checkServiceAccount(t, facts),
      checkTrustPolicy(t, facts),
      checkWebhookAnnotations(t, facts),
      checkPods(t, facts),
      checkLive(t, facts),
      ...(wellKnown ? [wellKnown] : []),
    ];
  };
  if (mechanism !== 'pod-identity') return [checkMechanism(t, facts), ...irsa()];
  // The IRSA pods check would call every Pod Identity pod unmutated: the Pod Identity pods check replaces it.
  const irsaShadowed = annotated ? irsa().filter((c) => c.id !== 'pods').map(shadowed) : [];
  return [checkMechanism(t, facts), ...checkPodIdentityChain(t, facts), ...irsaShadowed];
}

export const isHealthy = (checks: CheckResult[]): boolean => checks.every((c) => c.status !== 'fail');
