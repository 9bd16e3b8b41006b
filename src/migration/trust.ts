import { statementsOf } from '../doctor/iam-conditions.js';
import { podIdentityServiceTrust, podIdentityStatement as podIdentityGrant } from '../doctor/pod-identity-trust.js';
import { isRecord } from '../json.js';
import { STS_AUDIENCE } from '../model/oidc.js';

// The trust-policy edits of the migration, pure: what a role's trust says about Pod Identity and about one
// ServiceAccount's IRSA subject, and the idempotent edits that add or take away exactly the migration's statements.

type Json = Record<string, unknown>;

/** The Sid of the statement the migration adds: rollback removes that statement and nothing else. */
export const MIGRATION_TRUST_SID = 'IrsactlMigrateToPodIdentity';

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const strings = (v: unknown): string[] => list(v).filter((x): x is string => typeof x === 'string');

function withStatements(doc: unknown, statements: Json[]): Json {
  return { ...(isRecord(doc) ? doc : { Version: '2012-10-17' }), Statement: statements };
}

const allows = (s: Json, action: string): boolean =>
  s.Effect === 'Allow' && strings(s.Action).some((a) => a === action || a === 'sts:*' || a === '*');

const principalValues = (s: Json, key: 'Service' | 'Federated'): string[] => (isRecord(s.Principal) ? strings(s.Principal[key]) : []);

/** An Allow for pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession (in one statement or several), no Deny: the doctor's judgement. */
export function trustsPodIdentity(doc: unknown): boolean {
  const g = podIdentityServiceTrust(doc);
  return g.missing.length === 0 && g.deniedBy === undefined;
}

/** Whether the pods.eks.amazonaws.com trust is the migration's own statement (so rollback may take it away). */
export const hasMigrationTrust = (doc: unknown): boolean => statementsOf(doc).some((s) => s.Sid === MIGRATION_TRUST_SID);

/** The doctor's statement for the association's role, with the migration's Sid. */
export function podIdentityStatement(): Json {
  return { Sid: MIGRATION_TRUST_SID, ...podIdentityGrant() };
}

/** Phase 1: the doc with the migration's pods.eks.amazonaws.com statement appended, unless it trusts Pod Identity already. */
export function withPodIdentityTrust(doc: unknown): Json {
  const statements = statementsOf(doc);
  return trustsPodIdentity(doc) ? withStatements(doc, statements) : withStatements(doc, [...statements, podIdentityStatement()]);
}

/** Rollback: the doc without the migration's statement (a pods trust someone else wrote stays). */
export function withoutMigrationTrust(doc: unknown): Json {
  return withStatements(
    doc,
    statementsOf(doc).filter((s) => s.Sid !== MIGRATION_TRUST_SID),
  );
}

/** How a role's trust lets one ServiceAccount in through the cluster's OIDC provider. */
export type OidcTrust =
  /** statements that name this subject alone, exactly: the cut-over removes them */
  | { kind: 'exact'; statements: Json[] }
  /** a statement that lists this subject with others: removing it would lock them out */
  | { kind: 'shared'; subjects: string[] }
  /** a StringLike sub with a wildcard that matches the subject: Pod Identity has no patterns */
  | { kind: 'pattern'; pattern: string }
  | { kind: 'none' };

export interface OidcSubject {
  providerArn: string;
  /** the issuer's host/path: the condition keys' prefix */
  issuerHostPath: string;
  namespace: string;
  name: string;
}

const subjectOf = (s: OidcSubject): string => `system:serviceaccount:${s.namespace}:${s.name}`;

const globToRegExp = (glob: string): RegExp =>
  new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

function oidcStatementsFor(doc: unknown, s: OidcSubject): Json[] {
  return statementsOf(doc).filter((st) => allows(st, 'sts:AssumeRoleWithWebIdentity') && principalValues(st, 'Federated').includes(s.providerArn));
}

const subValues = (st: Json, operator: 'StringEquals' | 'StringLike', key: string): string[] => {
  const cond = isRecord(st.Condition) ? st.Condition[operator] : undefined;
  return isRecord(cond) ? strings(cond[key]) : [];
};

/** What the role's trust says about this ServiceAccount through this provider. */
export function oidcTrustFor(doc: unknown, s: OidcSubject): OidcTrust {
  const subKey = `${s.issuerHostPath}:sub`;
  const subject = subjectOf(s);
  const exact: Json[] = [];
  for (const st of oidcStatementsFor(doc, s)) {
    const like = subValues(st, 'StringLike', subKey);
    const pattern = like.find((p) => /[*?]/.test(p) && globToRegExp(p).test(subject));
    if (pattern !== undefined) return { kind: 'pattern', pattern };
    const equals = [...subValues(st, 'StringEquals', subKey), ...like.filter((p) => !/[*?]/.test(p))];
    if (!equals.includes(subject)) continue;
    if (equals.length > 1) return { kind: 'shared', subjects: equals };
    exact.push(st);
  }
  return exact.length > 0 ? { kind: 'exact', statements: exact } : { kind: 'none' };
}

/** The statement eksctl and irsactl write for this ServiceAccount (cfn/trust-policy.ts's, without a subjectPattern). */
export function standardOidcStatement(s: OidcSubject): Json {
  return {
    Effect: 'Allow',
    Action: ['sts:AssumeRoleWithWebIdentity'],
    Principal: { Federated: s.providerArn },
    Condition: { StringEquals: { [`${s.issuerHostPath}:sub`]: subjectOf(s), [`${s.issuerHostPath}:aud`]: STS_AUDIENCE } },
  };
}

/** Canonical JSON (keys sorted, one-element arrays as their element): IAM's equivalences, for comparing statements. */
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.length === 1 ? canonical(v[0]) : v.map(canonical);
  if (!isRecord(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .filter((k) => k !== 'Sid')
      .sort()
      .map((k) => [k, canonical(v[k])]),
  );
}
export const sameStatement = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** Cut-over: the doc without the statements that let this ServiceAccount (alone) in through the provider. */
export function withoutOidcTrust(doc: unknown, s: OidcSubject): Json {
  const trust = oidcTrustFor(doc, s);
  if (trust.kind !== 'exact') return withStatements(doc, statementsOf(doc));
  return withStatements(
    doc,
    statementsOf(doc).filter((st) => !trust.statements.includes(st)),
  );
}

/** Rollback of the cut-over: the standard statement put back first, where eksctl has it, unless the subject is let in already. */
export function withOidcTrust(doc: unknown, s: OidcSubject): Json {
  if (oidcTrustFor(doc, s).kind !== 'none') return withStatements(doc, statementsOf(doc));
  return withStatements(doc, [standardOidcStatement(s), ...statementsOf(doc)]);
}

/**
 * For update and apply of an iamserviceaccount: the rendered template keeps the migration's statement that the live
 * template has, so re-rendering the role's IRSA trust does not take Pod Identity away from a migrated ServiceAccount.
 */
export function keepMigrationTrust<T extends { Resources: Record<string, unknown> }>(rendered: T, liveTemplate: unknown): T {
  const liveTrust = (liveTemplate as { Resources?: { Role1?: { Properties?: { AssumeRolePolicyDocument?: unknown } } } } | undefined)?.Resources?.Role1?.Properties?.AssumeRolePolicyDocument;
  const kept = statementsOf(liveTrust).filter((s) => s.Sid === MIGRATION_TRUST_SID);
  const role = rendered.Resources.Role1 as { Properties?: { AssumeRolePolicyDocument?: unknown } } | undefined;
  if (kept.length === 0 || role?.Properties === undefined || hasMigrationTrust(role.Properties.AssumeRolePolicyDocument)) return rendered;
  const next = structuredClone(rendered);
  const props = (next.Resources.Role1 as { Properties: { AssumeRolePolicyDocument: unknown } }).Properties;
  props.AssumeRolePolicyDocument = withStatements(props.AssumeRolePolicyDocument, [...statementsOf(props.AssumeRolePolicyDocument), ...kept]);
  return next;
}
