import { isRecord } from '../json.js';
import { STS_AUDIENCE } from '../model/oidc.js';

// IAM's condition semantics for one trust-policy statement, evaluated against the claims a pod's projected token
// carries (its sub and aud, each single-valued): which statements admit the ServiceAccount, and what to change in
// those that do not.

type JsonRecord = Record<string, unknown>;
// IAM takes Null's "true"/"false" as JSON booleans too.
const asStrings = (v: unknown): string[] | undefined => {
  if (typeof v === 'string') return [v];
  if (typeof v === 'boolean') return [String(v)];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'boolean')) return v.map(String);
  return undefined;
};

const WILDCARD = /[*?]/;

/** IAM's StringLike: `*` any run of characters, `?` exactly one; case-sensitive. */
export function iamGlobMatch(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 's').test(value);
}

export interface ParsedOperator {
  /** Null: "true" holds when the key is absent, "false" when it is present (whatever its value). */
  base: 'StringEquals' | 'StringNotEquals' | 'StringLike' | 'StringNotLike' | 'Null';
  ignoreCase: boolean;
  ifExists: boolean;
  set?: 'ForAnyValue' | 'ForAllValues';
}

export function parseOperator(op: string): ParsedOperator | undefined {
  if (op === 'Null') return { base: 'Null', ignoreCase: false, ifExists: false };
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
  if (op.base === 'Null') return values.some((v) => v.toLowerCase() === (claim === undefined ? 'true' : 'false'));
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

export interface TrustProblem {
  what: string;
  change: string;
}

export interface StatementVerdict {
  index: number;
  allow: boolean;
  /** aims at web identity: a Federated principal or the web-identity action */
  relevant: boolean;
  admits: boolean;
  problems: TrustProblem[];
  warnings: string[];
  summary: string;
}

export function statementsOf(policy: unknown): JsonRecord[] {
  if (!isRecord(policy)) return [];
  const s = policy.Statement;
  if (Array.isArray(s)) return s.filter(isRecord);
  return isRecord(s) ? [s] : [];
}

const actionAllowsWebIdentity = (actions: string[]): boolean =>
  actions.some((a) => iamGlobMatch(a.toLowerCase(), 'sts:assumerolewithwebidentity'));

/** What a statement must say to let the ServiceAccount in. */
export interface TrustExpectation {
  /** the issuer's host and path: the condition keys' prefix */
  hostPath: string;
  /** the provider in the role's account */
  providerArn: string;
  subject: string;
  audience: string;
  roleAccount: string;
}

const ISSUER_CLAIM_KEY = /^(.+):(sub|aud|amr)$/i;

export function evaluateStatement(statement: JsonRecord, index: number, expected: TrustExpectation): StatementVerdict {
  const n = index + 1;
  const problems: TrustProblem[] = [];
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
      // Null only asks whether the key is there: it narrows nothing, so it does not count as a sub or aud condition.
      if (claimName === 'sub' && op?.base !== 'Null') sawSub = true;
      if (claimName === 'aud' && op?.base !== 'Null') sawAud = true;
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
      if (op.base === 'Null') {
        problems.push({
          what: `statement ${n} requires ${key} to be absent (Null "true"), but the token always carries it`,
          change: `remove the Null condition on ${key}, or set it to "false"`,
        });
      } else if (claimName === 'sub' && values.includes(STS_AUDIENCE)) {
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
