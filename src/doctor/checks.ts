import { parseRoleArn, providerArnFor, type ParsedRoleArn } from '../model/arns.js';
import { subjectOf } from '../model/oidc.js';
import type { OidcProviderInfo, RoleInfo } from '../aws/ports.js';
import type { OidcInfo } from '../model/oidc.js';
import type { WellKnownPolicies } from '../model/service-account.js';
import type { PodObject, ServiceAccountObject } from '../k8s/ports.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { STS_AUDIENCE } from '../model/oidc.js';
import { associateCommand, createCommand, deleteCommand, shellCommand } from '../model/suggested-commands.js';
import { trustPolicyFor } from '../cfn/trust-policy.js';
import { isRecord } from '../json.js';

/**
 * The doctor's checks: pure functions over data the action gathered. Each returns one
 * finding that names the broken link and the command or change that repairs it.
 */

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';
export type CheckId = 'oidc-provider' | 'service-account' | 'trust-policy' | 'webhook-annotations' | 'pods' | 'live';

export interface CheckResult {
  id: CheckId;
  status: CheckStatus;
  message: string;
  fix?: string;
}

export const AUDIENCE_ANNOTATION = 'eks.amazonaws.com/audience';
export const REGIONAL_STS_ANNOTATION = 'eks.amazonaws.com/sts-regional-endpoints';
export const TOKEN_EXPIRATION_ANNOTATION = 'eks.amazonaws.com/token-expiration';
/** The pod identity webhook's bounds for token-expiration, in seconds. */
export const MIN_TOKEN_EXPIRATION = 600;
export const MAX_TOKEN_EXPIRATION = 86_400;

/** What the doctor knows about the cluster and the caller, shared by every ServiceAccount. */
export interface DoctorTarget {
  cluster: string;
  region: string;
  /** The cluster's issuer; its providerArn is in the cluster's account. */
  oidc: OidcInfo;
  /** The account of the credentials: only there can IAM be read. */
  callerAccount: string;
}


export type ProviderLookup =
  | { kind: 'found'; provider: OidcProviderInfo }
  /** otherArns: the account's providers, to name a provider for another issuer */
  | { kind: 'missing'; otherArns: string[] }
  | { kind: 'unverifiable' };

export type RoleLookup = { kind: 'found'; role: RoleInfo } | { kind: 'missing' } | { kind: 'unverifiable' };

export type PodsLookup = { kind: 'listed'; pods: PodObject[] } | { kind: 'forbidden'; message: string };

export type LiveOutcome =
  | { kind: 'not-requested' }
  | { kind: 'not-run'; reason: string }
  | { kind: 'token-forbidden'; message: string }
  | { kind: 'token-failed'; message: string }
  | { kind: 'sts-failed'; message: string }
  | { kind: 'assumed'; assumedRoleArn: string; accountId: string };

/** Everything gathered for one ServiceAccount. */
export interface ServiceAccountFacts {
  namespace: string;
  name: string;
  /** undefined: it does not exist */
  serviceAccount?: ServiceAccountObject;
  /** the provider for this cluster's issuer in the role's account */
  provider: ProviderLookup;
  role: RoleLookup;
  /** the irsactl/eksctl stack whose Role1 is this role, if any */
  managedStack?: string;
  pods: PodsLookup;
  live: LiveOutcome;
}

/** The audience the webhook puts into the projected token. */
export function expectedAudience(sa: ServiceAccountObject | undefined): string {
  const a = sa?.annotations[AUDIENCE_ANNOTATION];
  return a === undefined || a.trim() === '' ? STS_AUDIENCE : a.trim();
}

const roleArnOf = (facts: ServiceAccountFacts): string | undefined => facts.serviceAccount?.annotations[ROLE_ARN_ANNOTATION];
const parsedRoleOf = (facts: ServiceAccountFacts): ParsedRoleArn | undefined => {
  const arn = roleArnOf(facts);
  return arn === undefined ? undefined : parseRoleArn(arn);
};
/** The account whose IAM must hold the provider: the role's, else the cluster's. */
const roleAccountOf = (t: DoctorTarget, facts: ServiceAccountFacts) => parsedRoleOf(facts)?.accountId ?? t.oidc.accountId;

export const associateFix = (t: DoctorTarget): string => associateCommand(t);

const targetOf = (t: DoctorTarget, facts: ServiceAccountFacts) => ({ cluster: t.cluster, region: t.region, namespace: facts.namespace, name: facts.name });

/** `kubectl annotate --overwrite` sets the annotation whether or not it is there. */
const annotateCommand = (facts: ServiceAccountFacts, key: string, value: string): string =>
  shellCommand('kubectl', 'annotate', '--overwrite', 'serviceaccount', '-n', facts.namespace, facts.name, `${key}=${value}`);

const NO_WELL_KNOWN: WellKnownPolicies = {
  imageBuilder: false, autoScaler: false, awsLoadBalancerController: false, externalDNS: false, certManager: false, ebsCSIController: false, efsCSIController: false,
};

const createProviderCommand = (t: DoctorTarget): string =>
  shellCommand('aws', 'iam', 'create-open-id-connect-provider', '--url', t.oidc.issuerUrl, '--client-id-list', STS_AUDIENCE);

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
          ? associateFix(t)
          : `in account ${account}: ${createProviderCommand(t)}`,
    };
  }
  const p = lookup.provider;
  if (!p.clientIds.includes(STS_AUDIENCE)) {
    return {
      id: 'oidc-provider',
      status: 'fail',
      message: `${p.arn} does not list ${STS_AUDIENCE} among its client ids (${p.clientIds.join(', ') || 'none'}): STS rejects the pods' tokens`,
      fix: shellCommand('aws', 'iam', 'add-client-id-to-open-id-connect-provider', '--open-id-connect-provider-arn', p.arn, '--client-id', STS_AUDIENCE),
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
      fix: `run irsactl doctor with credentials for account ${parsed.accountId} able to read IAM, or check there: ${shellCommand('aws', 'iam', 'get-role', '--role-name', parsed.name)}`,
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

type JsonRecord = Record<string, unknown>;
const asStrings = (v: unknown): string[] | undefined => {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  return undefined;
};

const WILDCARD = /[*?]/;

/** IAM's StringLike: `*` any run of characters, `?` exactly one; case-sensitive. */
export function iamGlobMatch(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

interface ParsedOperator {
  base: 'StringEquals' | 'StringNotEquals' | 'StringLike' | 'StringNotLike';
  ignoreCase: boolean;
  ifExists: boolean;
  set?: 'ForAnyValue' | 'ForAllValues';
}

export function parseOperator(op: string): ParsedOperator | undefined {
  const m = /^(?:(ForAnyValue|ForAllValues):)?(StringEquals|StringNotEquals|StringLike|StringNotLike)(IgnoreCase)?(IfExists)?$/.exec(op);
  if (!m) return undefined;
  const [, set, base, ignoreCase, ifExists] = m;
  if (ignoreCase && (base === 'StringLike' || base === 'StringNotLike')) return undefined;
  return {
    base: base as ParsedOperator['base'],
    ignoreCase: ignoreCase !== undefined,
    ifExists: ifExists !== undefined,
    ...(set !== undefined ? { set: set as 'ForAnyValue' | 'ForAllValues' } : {}),
  };
}

/** IAM semantics for one condition operator and key against a single-valued claim (undefined: absent). */
export function conditionHolds(op: ParsedOperator, values: string[], claim: string | undefined): boolean {
  if (claim === undefined) {
    // An absent key: IfExists and ForAllValues hold; negated operators hold; the rest fail.
    if (op.ifExists || op.set === 'ForAllValues') return true;
    return op.base === 'StringNotEquals' || op.base === 'StringNotLike';
  }
  const norm = (s: string) => (op.ignoreCase ? s.toLowerCase() : s);
  const equalsAny = values.some((v) => norm(v) === norm(claim));
  const likeAny = values.some((v) => iamGlobMatch(v, claim));
  switch (op.base) {
    case 'StringEquals':
      return equalsAny;
    case 'StringNotEquals':
      return !equalsAny;
    case 'StringLike':
      return likeAny;
    case 'StringNotLike':
      return !likeAny;
  }
}

interface Problem {
  what: string;
  change: string;
}

interface StatementVerdict {
  index: number;
  allow: boolean;
  /** aims at web identity: a Federated principal or the web-identity action */
  relevant: boolean;
  admits: boolean;
  problems: Problem[];
  warnings: string[];
  summary: string;
}

function statementsOf(policy: unknown): JsonRecord[] {
  if (!isRecord(policy)) return [];
  const s = policy.Statement;
  if (Array.isArray(s)) return s.filter(isRecord);
  return isRecord(s) ? [s] : [];
}

const actionAllowsWebIdentity = (actions: string[]): boolean =>
  actions.some((a) => iamGlobMatch(a.toLowerCase(), 'sts:assumerolewithwebidentity'));

const ISSUER_CLAIM_KEY = /^(.+):(sub|aud|amr)$/i;

function evaluateStatement(
  statement: JsonRecord,
  index: number,
  expected: { hostPath: string; providerArn: string; subject: string; audience: string; roleAccount: string },
): StatementVerdict {
  const n = index + 1;
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const allow = statement.Effect === 'Allow';
  const principal = isRecord(statement.Principal) ? statement.Principal : {};
  const federated = asStrings(principal.Federated) ?? [];
  const actions = asStrings(statement.Action) ?? [];
  const relevant = federated.length > 0 || actionAllowsWebIdentity(actions);
  const hp = expected.hostPath;
  const hpLower = hp.toLowerCase();

  // Principal: this cluster's provider, in the role's account.
  let otherIssuer: string | undefined;
  if (!federated.includes(expected.providerArn)) {
    const providers = federated.map((f) => /^arn:[^:]+:iam::(\d{12}):oidc-provider\/(.+)$/.exec(f)).filter((m): m is RegExpExecArray => m !== null);
    const sameIssuer = providers.find((m) => m[2].toLowerCase() === hpLower);
    if (sameIssuer) {
      problems.push({
        what: `statement ${n} trusts the provider in account ${sameIssuer[1]}, but it must be the one in the role's account ${expected.roleAccount}`,
        change: `set Principal.Federated to ${expected.providerArn}`,
      });
    } else if (providers.length > 0) {
      otherIssuer = providers[0][2];
      problems.push({
        what: `statement ${n} is for issuer ${otherIssuer} (another cluster), not this cluster's ${hp}`,
        change: `replace ${otherIssuer} with ${hp} in Principal.Federated and in the condition keys`,
      });
    } else {
      problems.push({
        what: `statement ${n} has no Federated principal for this cluster (${federated.length > 0 ? federated.join(', ') : 'none'})`,
        change: `set Principal.Federated to ${expected.providerArn}`,
      });
    }
  }
  if (!actionAllowsWebIdentity(actions)) {
    problems.push({
      what: `statement ${n} allows ${actions.length > 0 ? actions.join(', ') : 'no action'}, not sts:AssumeRoleWithWebIdentity`,
      change: 'set Action to sts:AssumeRoleWithWebIdentity',
    });
  }

  // Conditions, evaluated with the claims the pod's token carries.
  const condition = isRecord(statement.Condition) ? statement.Condition : {};
  let sawSub = false;
  let sawAud = false;
  let swapped = false;
  let conditionsHold = true;
  const used: string[] = [];
  for (const [opName, block] of Object.entries(condition)) {
    if (!isRecord(block)) continue;
    const op = parseOperator(opName);
    for (const [key, rawValues] of Object.entries(block)) {
      const values = asStrings(rawValues) ?? [];
      const claimKey = ISSUER_CLAIM_KEY.exec(key);
      const keyIssuer = claimKey?.[1];
      const claimName = claimKey?.[2]?.toLowerCase();
      const ours = keyIssuer !== undefined && keyIssuer.toLowerCase() === hpLower;
      if (!ours) {
        if (keyIssuer !== undefined && /\//.test(keyIssuer) && claimName !== 'amr') {
          // A claim key of another issuer: the token has no such key, so the condition sees it absent.
          const holds = op === undefined ? false : conditionHolds(op, values, undefined);
          if (!holds) {
            conditionsHold = false;
            if (otherIssuer === undefined) {
              otherIssuer = keyIssuer;
              problems.push({
                what: `statement ${n}'s condition key ${key} is for issuer ${keyIssuer} (another cluster), not this cluster's ${hp}`,
                change: `replace ${keyIssuer} with ${hp} in the condition keys`,
              });
            }
          }
        } else {
          warnings.push(`condition ${opName} on ${key} is not evaluated by doctor`);
        }
        continue;
      }
      const claim = claimName === 'sub' ? expected.subject : claimName === 'aud' ? expected.audience : undefined;
      if (claimName === 'sub') sawSub = true;
      if (claimName === 'aud') sawAud = true;
      if (claim === undefined) continue; // amr: not asserted by IRSA tokens in a way that matters here
      if (op === undefined) {
        conditionsHold = false;
        problems.push({ what: `statement ${n} uses condition operator ${opName} on ${key}, which never matches a web-identity token here`, change: `use StringEquals (or StringLike for wildcards) on ${key}` });
        continue;
      }
      used.push(`${opName} ${claimName}`);
      if (conditionHolds(op, values, claim)) continue;
      conditionsHold = false;
      const shown = values.map((v) => `"${v}"`).join(', ');
      if (claimName === 'sub' && values.includes(STS_AUDIENCE)) {
        swapped = true;
      } else if (claimName === 'aud' && values.some((v) => v.startsWith('system:serviceaccount:'))) {
        swapped = true;
      } else if (claimName === 'sub' && (op.base === 'StringEquals' || op.base === 'StringNotEquals') && values.some((v) => WILDCARD.test(v))) {
        const matchesAsGlob = values.some((v) => iamGlobMatch(v, claim));
        problems.push({
          what: `statement ${n} compares ${key} with ${shown} under ${opName}, where * and ? are literal characters: it never matches${matchesAsGlob ? ` (under StringLike it would match ${claim})` : ''}`,
          change: `move ${key} from ${opName} to StringLike`,
        });
      } else if (claimName === 'sub') {
        problems.push({
          what: `statement ${n} lets ${shown} in (${key} under ${opName}), not ${claim}`,
          change: `set ${key} to "${claim}" (or add it to the list)`,
        });
      } else {
        problems.push({
          what: `statement ${n} requires ${key} ${shown}, but the token's audience is "${claim}"`,
          change: `set ${key} to "${claim}"`,
        });
      }
    }
  }
  if (swapped) {
    problems.push({
      what: `statement ${n} has the sub and aud values swapped (${hp}:sub must be the ServiceAccount, ${hp}:aud must be ${STS_AUDIENCE})`,
      change: `swap them: ${hp}:sub = "${expected.subject}", ${hp}:aud = "${expected.audience}"`,
    });
  }
  if (!sawSub && otherIssuer === undefined) warnings.push(`statement ${n} has no ${hp}:sub condition: every ServiceAccount in the cluster may assume the role`);
  if (!sawAud && otherIssuer === undefined) warnings.push(`statement ${n} has no ${hp}:aud condition (irsactl and eksctl always set it to ${STS_AUDIENCE})`);

  const admits = problems.length === 0 && conditionsHold;
  return { index, allow, relevant, admits, problems, warnings, summary: used.length > 0 ? used.join(', ') : 'no conditions' };
}

function trustFix(t: DoctorTarget, facts: ServiceAccountFacts, role: RoleInfo, change: string, account: string): string {
  if (facts.managedStack !== undefined) {
    // Re-running update or apply would not help: the stack's template is unchanged, so CloudFormation leaves IAM as
    // it is. Putting back the trust policy the stack renders does.
    const oidc = { ...t.oidc, accountId: account, providerArn: providerArnFor(t.oidc, account) };
    const policy = trustPolicyFor(
      { name: facts.name, namespace: facts.namespace, labels: {}, annotations: {}, attachPolicyARNs: [], wellKnownPolicies: NO_WELL_KNOWN, roleOnly: false, tags: {} },
      oidc,
    );
    return `the role belongs to stack ${facts.managedStack}, whose template lets ${facts.namespace}/${facts.name} in: put that trust policy back with ${shellCommand('aws', 'iam', 'update-assume-role-policy', '--role-name', role.name, '--policy-document', JSON.stringify(policy))}`;
  }
  const get = shellCommand('aws', 'iam', 'get-role', '--role-name', role.name, '--query', 'Role.AssumeRolePolicyDocument', '--output', 'json');
  const put = shellCommand('aws', 'iam', 'update-assume-role-policy', '--role-name', role.name, '--policy-document', 'file://trust.json');
  return `${change}: ${get} > trust.json, edit trust.json, then ${put}`;
}

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
      fix: trustFix(t, facts, role, `remove or narrow the Deny statement ${denying.index + 1}`, parsed.accountId),
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
      fix: trustFix(t, facts, role, `add a statement allowing sts:AssumeRoleWithWebIdentity to ${expected.providerArn} with StringEquals ${expected.hostPath}:sub "${subject}" and ${expected.hostPath}:aud "${expected.audience}"`, parsed.accountId),
    };
  }
  return {
    id: 'trust-policy',
    status: 'fail',
    message: `role ${role.name} does not trust ${subject}: ${best.problems.map((p) => p.what).join('; ')}`,
    fix: trustFix(t, facts, role, best.problems.map((p) => p.change).join('; '), parsed.accountId),
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
        fix: `${shellCommand('kubectl', 'annotate', 'serviceaccount', '-n', facts.namespace, facts.name, `${AUDIENCE_ANNOTATION}-`)} (the default is ${STS_AUDIENCE}), or add the client id to the provider`,
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
  const stale = new Map<string, string[]>(); // old role ARN → pods
  const wrongAudience: string[] = [];
  const noFsGroup: string[] = [];
  for (const pod of pods) {
    const tokenVolume = pod.volumes.find((v) => v.projectedServiceAccountTokenAudience !== undefined);
    const injected = pod.containers.every((c) => c.env.AWS_ROLE_ARN !== undefined && c.env.AWS_WEB_IDENTITY_TOKEN_FILE !== undefined);
    if (!injected || tokenVolume === undefined) {
      unmutated.push(pod.name);
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
  const restart = (names: string[]) => `kubectl rollout restart the Deployment/StatefulSet/DaemonSet that owns them, or ${shellCommand('kubectl', 'delete', 'pod', '-n', ns, ...names)}`;
  const fails: { what: string; names: string[] }[] = [];
  if (unmutated.length > 0) {
    fails.push({
      what: `${unmutated.length} pod(s) without AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE or the projected token volume, so the pod identity webhook did not mutate them (created before the annotation, or the webhook is not running): ${listShort(unmutated)}`,
      names: unmutated,
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
    return { id: 'pods', status: 'fail', message: fails.map((f) => f.what).join('; '), fix: `restart them: ${restart(names)}` };
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
      return { id: 'live', status: 'skip', message: `not run: ${live.reason}` };
    case 'token-forbidden':
      return {
        id: 'live',
        status: 'warn',
        message: `skipped: requesting a token needs RBAC "create" on "serviceaccounts/token" in namespace ${facts.namespace} (${live.message})`,
        fix: `grant it: ${shellCommand('kubectl', 'create', 'role', 'irsactl-doctor', '-n', facts.namespace, '--verb=create', '--resource=serviceaccounts/token')}, and bind it to your identity`,
      };
    case 'token-failed':
      return { id: 'live', status: 'fail', message: `TokenRequest for ${ref} failed: ${live.message}` };
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

/** Every check for one ServiceAccount, in order. */
export function runChecks(t: DoctorTarget, facts: ServiceAccountFacts): CheckResult[] {
  return [
    checkOidcProvider(t, facts),
    checkServiceAccount(t, facts),
    checkTrustPolicy(t, facts),
    checkWebhookAnnotations(t, facts),
    checkPods(t, facts),
    checkLive(t, facts),
  ];
}

export const isHealthy = (checks: CheckResult[]): boolean => checks.every((c) => c.status !== 'fail');
