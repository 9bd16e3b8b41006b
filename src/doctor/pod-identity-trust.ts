import { isRecord } from '../json.js';
import { POD_IDENTITY_SERVICE_PRINCIPAL, POD_IDENTITY_TRUST_ACTIONS } from '../model/pod-identity.js';
import { conditionHolds, iamGlobMatch, parseOperator, statementsOf } from './iam-conditions.js';

// What a role's trust policy grants EKS Pod Identity: the service principal pods.eks.amazonaws.com (the association's
// role), or the association's role (a targetRoleArn role, with the association's external id). Pure.

type JsonRecord = Record<string, unknown>;
const asStrings = (v: unknown): string[] => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const actionMatches = (actions: string[], needed: string): boolean => actions.some((a) => iamGlobMatch(a.toLowerCase(), needed.toLowerCase()));

export interface TrustGrant {
  /** of the needed actions, those no Allow statement grants */
  missing: string[];
  /** the 1-based number of a Deny statement that matches the principal and a needed action */
  deniedBy?: number;
}

function grant(policy: unknown, principalMatches: (s: JsonRecord) => boolean, conditionsHold: (s: JsonRecord) => boolean, needed: readonly string[]): TrustGrant {
  const statements = statementsOf(policy);
  const matching = (s: JsonRecord) => principalMatches(s) && needed.some((n) => actionMatches(asStrings(s.Action), n));
  const denying = statements.findIndex((s) => s.Effect === 'Deny' && matching(s) && Object.keys(isRecord(s.Condition) ? s.Condition : {}).length === 0);
  const allowed = statements.filter((s) => s.Effect === 'Allow' && principalMatches(s) && conditionsHold(s));
  const missing = needed.filter((n) => !allowed.some((s) => actionMatches(asStrings(s.Action), n)));
  return { missing, ...(denying >= 0 ? { deniedBy: denying + 1 } : {}) };
}

const principalOf = (s: JsonRecord): JsonRecord => (isRecord(s.Principal) ? s.Principal : {});

/** The association's role: an Allow for Service pods.eks.amazonaws.com of sts:AssumeRole and sts:TagSession (conditions not judged). */
export function podIdentityServiceTrust(policy: unknown): TrustGrant {
  return grant(
    policy,
    (s) => s.Principal === '*' || asStrings(principalOf(s).Service).includes(POD_IDENTITY_SERVICE_PRINCIPAL),
    () => true,
    POD_IDENTITY_TRUST_ACTIONS,
  );
}

/** The account root of a role ARN (arn:<p>:iam::<account>:root), which delegates trust to that account's IAM. */
const accountRootOf = (roleArn: string): string | undefined => {
  const m = /^arn:([^:]+):iam::(\d{12}):role\//.exec(roleArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:root` : undefined;
};

/**
 * A targetRoleArn role: an Allow for the association's role (its ARN, its account's root or account id) of
 * sts:AssumeRole and sts:TagSession, whose sts:ExternalId conditions, if any, hold for the association's external id.
 */
export function targetRoleTrust(policy: unknown, sourceRoleArn: string, externalId: string | undefined): TrustGrant {
  const root = accountRootOf(sourceRoleArn);
  const account = /:iam::(\d{12}):/.exec(sourceRoleArn)?.[1];
  const names = new Set([sourceRoleArn, ...(root ? [root] : []), ...(account ? [account] : [])]);
  return grant(
    policy,
    (s) => s.Principal === '*' || asStrings(principalOf(s).AWS).some((p) => names.has(p)),
    (s) => externalIdHolds(s, externalId),
    POD_IDENTITY_TRUST_ACTIONS,
  );
}

/** Whether every sts:ExternalId condition of the statement holds for `externalId` (other keys are not judged). */
function externalIdHolds(statement: JsonRecord, externalId: string | undefined): boolean {
  const conditions = isRecord(statement.Condition) ? statement.Condition : {};
  return Object.entries(conditions).every(([op, block]) => {
    if (!isRecord(block)) return true;
    const parsed = parseOperator(op);
    return Object.entries(block).every(([key, values]) => {
      if (key.toLowerCase() !== 'sts:externalid') return true;
      return parsed !== undefined && conditionHolds(parsed, asStrings(values), externalId);
    });
  });
}

/** Whether the trust policy names an sts:ExternalId at all (then it must be the association's). */
export function mentionsExternalId(policy: unknown): boolean {
  return statementsOf(policy).some((s) => isRecord(s.Condition) && Object.values(s.Condition).some((b) => isRecord(b) && Object.keys(b).some((k) => k.toLowerCase() === 'sts:externalid')));
}

/** The statement a targetRoleArn role needs (AWS's documented shape for Pod Identity role chaining). */
export function targetRoleStatement(sourceRoleArn: string, externalId: string | undefined): JsonRecord {
  return {
    Effect: 'Allow',
    Principal: { AWS: sourceRoleArn },
    Action: [...POD_IDENTITY_TRUST_ACTIONS],
    ...(externalId !== undefined ? { Condition: { StringEquals: { 'sts:ExternalId': externalId } } } : {}),
  };
}

/** The statement the association's role needs. */
export const podIdentityStatement = (): JsonRecord => ({ Effect: 'Allow', Principal: { Service: POD_IDENTITY_SERVICE_PRINCIPAL }, Action: [...POD_IDENTITY_TRUST_ACTIONS] });

/** The trust policy with `statement` added: what update-assume-role-policy must be given to repair it. */
export function withStatement(policy: unknown, statement: JsonRecord): JsonRecord {
  const base = isRecord(policy) ? policy : {};
  return { Version: typeof base.Version === 'string' ? base.Version : '2012-10-17', Statement: [...statementsOf(policy), statement] };
}
