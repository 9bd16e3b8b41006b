import { describe, expect, it } from 'vitest';
import { conditionHolds, evaluateStatement, iamGlobMatch, parseOperator, statementsOf, type TrustExpectation } from '../../../src/doctor/iam-conditions.js';

const ACCOUNT = '111122223333';
const HP = 'oidc.eks.us-west-2.amazonaws.com/id/ABCDEF0123456789';
const OTHER_HP = 'oidc.eks.eu-west-1.amazonaws.com/id/FEDCBA9876543210';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HP}`;
const SUBJECT = 'system:serviceaccount:default:app';
const SUB = `${HP}:sub`;
const AUD = `${HP}:aud`;

const expected: TrustExpectation = { hostPath: HP, providerArn: PROVIDER_ARN, subject: SUBJECT, audience: 'sts.amazonaws.com', roleAccount: ACCOUNT };

const op = (name: string) => {
  const parsed = parseOperator(name);
  if (parsed === undefined) throw new Error(`${name} does not parse`);
  return parsed;
};

function statement(condition: Record<string, unknown>, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { Effect: 'Allow', Principal: { Federated: PROVIDER_ARN }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition, ...over };
}
const evaluate = (condition: Record<string, unknown>, over: Record<string, unknown> = {}) => evaluateStatement(statement(condition, over), 0, expected);

describe('iamGlobMatch (StringLike patterns)', () => {
  it('* is any run of characters, also none and also across / and :', () => {
    expect(iamGlobMatch('system:serviceaccount:default:*', SUBJECT)).toBe(true);
    expect(iamGlobMatch('system:serviceaccount:*', SUBJECT)).toBe(true);
    expect(iamGlobMatch('system:serviceaccount:default:app*', SUBJECT)).toBe(true);
    expect(iamGlobMatch('*', '')).toBe(true);
    expect(iamGlobMatch('a*c', 'a/b\nc')).toBe(true);
    expect(iamGlobMatch('system:serviceaccount:kube-*:app', SUBJECT)).toBe(false);
  });
  it('? is exactly one character', () => {
    expect(iamGlobMatch('system:serviceaccount:default:ap?', SUBJECT)).toBe(true);
    expect(iamGlobMatch('system:serviceaccount:default:a?', SUBJECT)).toBe(false);
    expect(iamGlobMatch('system:serviceaccount:default:app?', SUBJECT)).toBe(false);
  });
  it('matches the whole value, case-sensitively, with regex characters taken literally', () => {
    expect(iamGlobMatch('system:serviceaccount:default', SUBJECT)).toBe(false);
    expect(iamGlobMatch('System:ServiceAccount:default:app', SUBJECT)).toBe(false);
    expect(iamGlobMatch('system:serviceaccount:default:a.p', SUBJECT)).toBe(false);
    expect(iamGlobMatch('a.b', 'a.b')).toBe(true);
    expect(iamGlobMatch('a+(b)[c]{1}|^$\\', 'a+(b)[c]{1}|^$\\')).toBe(true);
    expect(iamGlobMatch('a+', 'aa')).toBe(false);
  });
});

describe('parseOperator', () => {
  it('reads the four string operators with IgnoreCase, IfExists and the set prefixes', () => {
    expect(parseOperator('StringEquals')).toEqual({ base: 'StringEquals', ignoreCase: false, ifExists: false });
    expect(parseOperator('StringNotLike')).toEqual({ base: 'StringNotLike', ignoreCase: false, ifExists: false });
    expect(parseOperator('ForAnyValue:StringLike')).toEqual({ base: 'StringLike', ignoreCase: false, ifExists: false, set: 'ForAnyValue' });
    expect(parseOperator('ForAllValues:StringNotEqualsIgnoreCase')).toEqual({ base: 'StringNotEquals', ignoreCase: true, ifExists: false, set: 'ForAllValues' });
    expect(parseOperator('StringEqualsIgnoreCaseIfExists')).toEqual({ base: 'StringEquals', ignoreCase: true, ifExists: true });
  });
  it.each(['NullIfExists', 'ForAnyValue:Null', 'ArnLike', 'StringLikeIgnoreCase', 'StringNotLikeIgnoreCase', 'StringEqualsIfExistsIgnoreCase', 'stringequals', 'ForSomeValues:StringEquals', 'StringEquals '])(
    'rejects %s',
    (name) => expect(parseOperator(name)).toBeUndefined(),
  );
});

describe('conditionHolds', () => {
  it('StringEquals holds when any listed value equals the claim, case-sensitively', () => {
    expect(conditionHolds(op('StringEquals'), ['system:serviceaccount:x:y', SUBJECT], SUBJECT)).toBe(true);
    expect(conditionHolds(op('StringEquals'), ['system:serviceaccount:x:y'], SUBJECT)).toBe(false);
    expect(conditionHolds(op('StringEquals'), [SUBJECT.toUpperCase()], SUBJECT)).toBe(false);
    expect(conditionHolds(op('StringEquals'), [], SUBJECT)).toBe(false);
  });
  it('IgnoreCase compares case-insensitively, both ways', () => {
    expect(conditionHolds(op('StringEqualsIgnoreCase'), ['STS.amazonaws.com'], 'sts.amazonaws.com')).toBe(true);
    expect(conditionHolds(op('StringNotEqualsIgnoreCase'), ['STS.amazonaws.com'], 'sts.amazonaws.com')).toBe(false);
    expect(conditionHolds(op('StringNotEquals'), ['STS.amazonaws.com'], 'sts.amazonaws.com')).toBe(true);
  });
  it('StringNotEquals holds only when no listed value equals the claim', () => {
    expect(conditionHolds(op('StringNotEquals'), ['a', 'b'], 'c')).toBe(true);
    expect(conditionHolds(op('StringNotEquals'), ['a', 'c'], 'c')).toBe(false);
  });
  it('StringLike holds when any pattern matches; StringNotLike when none does', () => {
    expect(conditionHolds(op('StringLike'), ['system:serviceaccount:other:*', 'system:serviceaccount:default:*'], SUBJECT)).toBe(true);
    expect(conditionHolds(op('StringLike'), ['system:serviceaccount:other:*'], SUBJECT)).toBe(false);
    expect(conditionHolds(op('StringNotLike'), ['x*'], 'xy')).toBe(false);
    expect(conditionHolds(op('StringNotLike'), ['x*'], 'yx')).toBe(true);
  });
  it('StringEquals takes * and ? literally', () => {
    expect(conditionHolds(op('StringEquals'), ['system:serviceaccount:default:*'], SUBJECT)).toBe(false);
    expect(conditionHolds(op('StringEquals'), ['a*'], 'a*')).toBe(true);
  });
  it('an absent key fails the positive operators, and holds for the negated ones, IfExists and ForAllValues', () => {
    expect(conditionHolds(op('StringEquals'), ['x'], undefined)).toBe(false);
    expect(conditionHolds(op('StringLike'), ['*'], undefined)).toBe(false);
    expect(conditionHolds(op('ForAnyValue:StringEquals'), ['x'], undefined)).toBe(false);
    expect(conditionHolds(op('StringNotEquals'), ['x'], undefined)).toBe(true);
    expect(conditionHolds(op('StringNotLike'), ['x'], undefined)).toBe(true);
    expect(conditionHolds(op('StringEqualsIfExists'), ['x'], undefined)).toBe(true);
    expect(conditionHolds(op('StringLikeIfExists'), ['x'], undefined)).toBe(true);
    expect(conditionHolds(op('ForAllValues:StringEquals'), ['x'], undefined)).toBe(true);
  });
  it('a present key: IfExists and the set prefixes compare as the base operator (the token claims are single-valued)', () => {
    expect(conditionHolds(op('StringEqualsIfExists'), ['x'], 'y')).toBe(false);
    expect(conditionHolds(op('StringEqualsIfExists'), ['x'], 'x')).toBe(true);
    expect(conditionHolds(op('ForAnyValue:StringLike'), ['y', 'x*'], 'xz')).toBe(true);
    expect(conditionHolds(op('ForAllValues:StringEquals'), ['x'], 'y')).toBe(false);
    expect(conditionHolds(op('ForAllValues:StringEquals'), ['y', 'x'], 'x')).toBe(true);
  });
});

describe('statementsOf', () => {
  it('takes Statement as a list or a single object, and ignores what is not an object', () => {
    const s = { Effect: 'Allow' };
    expect(statementsOf({ Statement: [s, 'x', null, 3, s] })).toEqual([s, s]);
    expect(statementsOf({ Statement: s })).toEqual([s]);
    expect(statementsOf({ Statement: 'x' })).toEqual([]);
    expect(statementsOf({})).toEqual([]);
    expect(statementsOf(null)).toEqual([]);
    expect(statementsOf('{"Statement":[]}')).toEqual([]);
  });
});

describe('evaluateStatement', () => {
  const good = { StringEquals: { [SUB]: SUBJECT, [AUD]: 'sts.amazonaws.com' } };

  it("admits the pod's token where principal, action and conditions are this cluster's", () => {
    expect(evaluate(good)).toEqual({
      index: 0,
      allow: true,
      relevant: true,
      admits: true,
      problems: [],
      warnings: [],
      summary: 'StringEquals sub, StringEquals aud',
    });
  });
  it('a Deny statement that matches admits too: the caller decides that it denies', () => {
    expect(evaluate(good, { Effect: 'Deny' })).toMatchObject({ allow: false, admits: true });
    expect(evaluate(good, { Effect: 'allow' })).toMatchObject({ allow: false });
  });
  it('numbers the statement from its index', () => {
    const v = evaluateStatement(statement({ StringEquals: { [SUB]: 'system:serviceaccount:x:y', [AUD]: 'sts.amazonaws.com' } }), 2, expected);
    expect(v.index).toBe(2);
    expect(v.problems.map((p) => p.what)).toEqual([`statement 3 lets "system:serviceaccount:x:y" in (${SUB} under StringEquals), not ${SUBJECT}`]);
  });
  it('the web-identity action may be a list, a wildcard, or in another case', () => {
    for (const Action of [['sts:TagSession', 'sts:AssumeRoleWithWebIdentity'], 'sts:*', '*', 'sts:AssumeRoleWith*', 'STS:assumerolewithwebidentity']) {
      expect(evaluate(good, { Action }).admits).toBe(true);
    }
    const wrong = evaluate(good, { Action: 'sts:AssumeRole' });
    expect(wrong).toMatchObject({ admits: false, relevant: true });
    expect(wrong.problems[0]).toEqual({ what: 'statement 1 allows sts:AssumeRole, not sts:AssumeRoleWithWebIdentity', change: 'set Action to sts:AssumeRoleWithWebIdentity' });
  });
  it('is not about web identity without a Federated principal or the web-identity action', () => {
    const v = evaluate({}, { Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
    expect(v).toMatchObject({ relevant: false, admits: false });
    expect(v.problems.map((p) => p.what)).toEqual(['statement 1 has no Federated principal for this cluster (none)', 'statement 1 allows sts:AssumeRole, not sts:AssumeRoleWithWebIdentity']);
  });
  it("the provider must be the role account's: the same issuer in another account is named", () => {
    const v = evaluate(good, { Principal: { Federated: `arn:aws:iam::444455556666:oidc-provider/${HP.toLowerCase()}` } });
    expect(v.admits).toBe(false);
    expect(v.problems).toEqual([{ what: `statement 1 trusts the provider in account 444455556666, but it must be the one in the role's account ${ACCOUNT}`, change: `set Principal.Federated to ${PROVIDER_ARN}` }]);
  });
  it("another issuer's provider and keys: one problem, and no warning about the missing sub and aud", () => {
    const v = evaluate({ StringEquals: { [`${OTHER_HP}:sub`]: SUBJECT, [`${OTHER_HP}:aud`]: 'sts.amazonaws.com' } }, { Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OTHER_HP}` } });
    expect(v.admits).toBe(false);
    expect(v.problems).toHaveLength(1);
    expect(v.problems[0].what).toBe(`statement 1 is for issuer ${OTHER_HP} (another cluster), not this cluster's ${HP}`);
    expect(v.warnings).toEqual([]);
  });
  it("another issuer's key is absent from the token: it fails a positive operator and holds under a negated one", () => {
    const positive = evaluate({ StringEquals: { ...good.StringEquals, [`${OTHER_HP}:sub`]: SUBJECT } });
    expect(positive.admits).toBe(false);
    expect(positive.problems.map((p) => p.change)).toEqual([`replace ${OTHER_HP} with ${HP} in the condition keys`]);
    const negated = evaluate({ ...good, StringNotEquals: { [`${OTHER_HP}:sub`]: SUBJECT } });
    expect(negated).toMatchObject({ admits: true, problems: [] });
    expect(evaluate({ ...good, StringEqualsIfExists: { [`${OTHER_HP}:sub`]: SUBJECT } }).admits).toBe(true);
  });
  it('condition keys are matched without regard to case', () => {
    const v = evaluate({ StringEquals: { [`${HP.toLowerCase()}:SUB`]: SUBJECT, [`${HP.toUpperCase()}:Aud`]: 'sts.amazonaws.com' } });
    expect(v).toMatchObject({ admits: true, warnings: [], summary: 'StringEquals sub, StringEquals aud' });
  });
  it('condition values are compared with the case the operator says', () => {
    expect(evaluate({ StringEquals: { [SUB]: SUBJECT.toUpperCase(), [AUD]: 'sts.amazonaws.com' } }).admits).toBe(false);
    expect(evaluate({ StringEqualsIgnoreCase: { [SUB]: SUBJECT.toUpperCase(), [AUD]: 'STS.amazonaws.com' } }).admits).toBe(true);
  });
  it('multi-valued condition values: any one may match, under the plain and the ForAnyValue operators', () => {
    expect(evaluate({ StringEquals: { [SUB]: ['system:serviceaccount:x:y', SUBJECT], [AUD]: 'sts.amazonaws.com' } }).admits).toBe(true);
    expect(evaluate({ 'ForAnyValue:StringLike': { [SUB]: ['system:serviceaccount:other:*', 'system:serviceaccount:default:ap?'] }, StringEquals: { [AUD]: 'sts.amazonaws.com' } })).toMatchObject({
      admits: true,
      summary: 'ForAnyValue:StringLike sub, StringEquals aud',
    });
  });
  it('a value that is not a string or a list of strings matches nothing', () => {
    expect(evaluate({ StringEquals: { [SUB]: 42, [AUD]: 'sts.amazonaws.com' } }).admits).toBe(false);
    expect(evaluate({ StringEquals: { [SUB]: [SUBJECT, 1], [AUD]: 'sts.amazonaws.com' } }).admits).toBe(false);
  });
  it('Null: "false" holds for the sub and aud the token always carries, "true" never does; a key of another issuer is absent', () => {
    expect(parseOperator('Null')).toEqual({ base: 'Null', ignoreCase: false, ifExists: false });
    expect(conditionHolds(op('Null'), ['false'], SUBJECT)).toBe(true);
    expect(conditionHolds(op('Null'), ['true'], SUBJECT)).toBe(false);
    expect(conditionHolds(op('Null'), ['true'], undefined)).toBe(true);
    expect(conditionHolds(op('Null'), ['false'], undefined)).toBe(false);
    expect(evaluate({ ...good, Null: { [SUB]: 'false', [AUD]: false } })).toMatchObject({ admits: true, problems: [] });
    const never = evaluate({ ...good, Null: { [SUB]: 'true' } });
    expect(never.admits).toBe(false);
    expect(never.problems).toEqual([{ what: `statement 1 requires ${SUB} to be absent (Null "true"), but the token always carries it`, change: `remove the Null condition on ${SUB}, or set it to "false"` }]);
    // Null "false" narrows nothing: alone it still lets every ServiceAccount in.
    expect(evaluate({ StringEquals: { [AUD]: 'sts.amazonaws.com' }, Null: { [SUB]: 'false' } }).warnings).toEqual([
      `statement 1 has no ${SUB} condition: every ServiceAccount in the cluster may assume the role`,
    ]);
    expect(evaluate({ ...good, Null: { 'oidc.eks.eu-west-1.amazonaws.com/id/OTHER:sub': 'true' } })).toMatchObject({ admits: true, problems: [] });
  });
  it('an operator it does not know (Arn…, Numeric…) on the sub or aud key is reported as never matching', () => {
    for (const name of ['NumericEquals', 'ArnLike', 'StringLikeIgnoreCase']) {
      const v = evaluate({ StringEquals: { [AUD]: 'sts.amazonaws.com' }, [name]: { [SUB]: 'false' } });
      expect(v.admits).toBe(false);
      expect(v.problems).toEqual([{ what: `statement 1 uses condition operator ${name} on ${SUB}, which never matches a web-identity token here`, change: `use StringEquals (or StringLike for wildcards) on ${SUB}` }]);
    }
  });
  it('keys it does not evaluate are warnings, not problems; amr is passed over', () => {
    const v = evaluate({ ...good, IpAddress: { 'aws:SourceIp': '10.0.0.0/8' }, StringLike: { [`${HP}:amr`]: 'x' } });
    expect(v).toMatchObject({ admits: true, problems: [], summary: 'StringEquals sub, StringEquals aud' });
    expect(v.warnings).toEqual(['condition IpAddress on aws:SourceIp is not evaluated by doctor']);
  });
  it('a condition block that is not an object is passed over', () => {
    const v = evaluate({ ...good, StringLike: 'x' });
    expect(v).toMatchObject({ admits: true, problems: [], warnings: [] });
  });
  it('without a sub or aud condition it admits, with a warning for each', () => {
    const v = evaluate({});
    expect(v).toMatchObject({ admits: true, problems: [], summary: 'no conditions' });
    expect(v.warnings).toEqual([
      `statement 1 has no ${SUB} condition: every ServiceAccount in the cluster may assume the role`,
      `statement 1 has no ${AUD} condition (irsactl and eksctl always set it to sts.amazonaws.com)`,
    ]);
  });
  it('sub and aud values swapped are one problem, not two', () => {
    const v = evaluate({ StringEquals: { [SUB]: 'sts.amazonaws.com', [AUD]: SUBJECT } });
    expect(v.problems).toEqual([{ what: `statement 1 has the sub and aud values swapped (${SUB} must be the ServiceAccount, ${AUD} must be sts.amazonaws.com)`, change: `swap them: ${SUB} = "${SUBJECT}", ${AUD} = "sts.amazonaws.com"` }]);
  });
  it('a wildcard under StringEquals says whether StringLike would have matched', () => {
    const matches = evaluate({ StringEquals: { [SUB]: 'system:serviceaccount:default:*', [AUD]: 'sts.amazonaws.com' } });
    expect(matches.problems[0]).toEqual({
      what: `statement 1 compares ${SUB} with "system:serviceaccount:default:*" under StringEquals, where * and ? are literal characters: it never matches (under StringLike it would match ${SUBJECT})`,
      change: `move ${SUB} from StringEquals to StringLike`,
    });
    const not = evaluate({ StringEquals: { [SUB]: 'system:serviceaccount:kube-*:app', [AUD]: 'sts.amazonaws.com' } });
    expect(not.problems[0].what).toMatch(/it never matches$/);
  });
  it("the aud is compared with the audience expected for the token", () => {
    const v = evaluateStatement(statement(good), 0, { ...expected, audience: 'my-aud' });
    expect(v.problems).toEqual([{ what: `statement 1 requires ${AUD} "sts.amazonaws.com", but the token's audience is "my-aud"`, change: `set ${AUD} to "my-aud"` }]);
  });
});
