import { describe, expect, it } from 'vitest';
import type { OidcProviderInfo, RoleInfo } from '../../../src/aws/ports.js';
import type { PodObject, ServiceAccountObject } from '../../../src/k8s/ports.js';
import { oidcInfoFrom } from '../../../src/model/oidc.js';
import { checkLive, checkOidcProvider, checkPods, checkServiceAccount, checkTrustPolicy, checkWebhookAnnotations, isHealthy, runChecks } from '../../../src/doctor/checks.js';
import type { DoctorTarget, ServiceAccountFacts } from '../../../src/doctor/facts.js';
import { parseRoleArn } from '../../../src/model/arns.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const ISSUER = 'https://oidc.eks.us-west-2.amazonaws.com/id/ABCDEF0123456789';
const HP = 'oidc.eks.us-west-2.amazonaws.com/id/ABCDEF0123456789';
const OTHER_HP = 'oidc.eks.eu-west-1.amazonaws.com/id/FEDCBA9876543210';
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${HP}`;
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app-role`;
const SUBJECT = 'system:serviceaccount:default:app';

const target: DoctorTarget = { cluster: 'prod', region: 'us-west-2', oidc: oidcInfoFrom(ISSUER, 'aws', ACCOUNT), callerAccount: ACCOUNT };

const provider = (over: Partial<OidcProviderInfo> = {}): OidcProviderInfo => ({
  arn: PROVIDER_ARN,
  url: HP,
  clientIds: ['sts.amazonaws.com'],
  thumbprints: [],
  tags: {},
  ...over,
});

function statement(condition: Record<string, Record<string, string | string[]>>, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { Effect: 'Allow', Principal: { Federated: PROVIDER_ARN }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition, ...over };
}
const goodCondition = { StringEquals: { [`${HP}:sub`]: SUBJECT, [`${HP}:aud`]: 'sts.amazonaws.com' } };
const roleWith = (...statements: Record<string, unknown>[]): RoleInfo => ({
  arn: ROLE_ARN,
  name: 'app-role',
  trustPolicy: { Version: '2012-10-17', Statement: statements },
  tags: {},
});

const sa = (annotations: Record<string, string> = { 'eks.amazonaws.com/role-arn': ROLE_ARN }): ServiceAccountObject => ({
  name: 'app',
  namespace: 'default',
  labels: {},
  annotations,
});

function pod(name: string, opts: { roleArn?: string; injected?: boolean; audience?: string; fsGroup?: number; runAsUser?: number; sa?: string } = {}): PodObject {
  const injected = opts.injected !== false;
  return {
    name,
    namespace: 'default',
    serviceAccountName: opts.sa ?? 'app',
    ...(opts.fsGroup !== undefined ? { fsGroup: opts.fsGroup } : {}),
    ...(opts.runAsUser !== undefined ? { runAsUser: opts.runAsUser } : {}),
    volumes: injected ? [{ name: 'aws-iam-token', projectedServiceAccountTokenAudience: opts.audience ?? 'sts.amazonaws.com' }] : [],
    containers: [
      {
        name: 'app',
        env: injected ? { AWS_ROLE_ARN: opts.roleArn ?? ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' } : {},
      },
    ],
  };
}

function facts(over: Partial<ServiceAccountFacts> = {}): ServiceAccountFacts {
  return {
    namespace: 'default',
    name: 'app',
    serviceAccount: sa(),
    provider: { kind: 'found', provider: provider() },
    role: { kind: 'found', role: roleWith(statement(goodCondition)) },
    pods: { kind: 'listed', pods: [pod('app-1')] },
    live: { kind: 'not-requested' },
    ...over,
  };
}

describe('healthy facts', () => {
  it('pass every check but the live test, which is skipped', () => {
    const results = runChecks(target, facts());
    expect(results.map((r) => [r.id, r.status])).toEqual([
      ['mechanism', 'pass'],
      ['oidc-provider', 'pass'],
      ['service-account', 'pass'],
      ['trust-policy', 'pass'],
      ['webhook-annotations', 'pass'],
      ['pods', 'pass'],
      ['live', 'skip'],
    ]);
    expect(isHealthy(results)).toBe(true);
  });
});

describe('parseRoleArn', () => {
  it('takes the last path segment as the role name', () => {
    expect(parseRoleArn('arn:aws:iam::111122223333:role/teams/a/reader')).toEqual({
      arn: 'arn:aws:iam::111122223333:role/teams/a/reader',
      partition: 'aws',
      accountId: '111122223333',
      name: 'reader',
    });
    expect(parseRoleArn('arn:aws-cn:iam::111122223333:role/r')?.partition).toBe('aws-cn');
  });
  it.each(['arn:aws:iam::1111:role/r', 'arn:aws:iam::111122223333:user/r', 'app-role', 'arn:aws:iam::111122223333:role/', 'arn:aws:sts::111122223333:role/r'])(
    'rejects %s',
    (arn) => expect(parseRoleArn(arn)).toBeUndefined(),
  );
});

describe('1. OIDC provider', () => {
  it('missing: names the issuer and the associate command', () => {
    expect(checkOidcProvider(target, facts({ provider: { kind: 'missing', otherArns: [] } }))).toEqual({
      id: 'oidc-provider',
      status: 'fail',
      message: `no IAM OIDC provider for issuer ${HP} in account ${ACCOUNT}`,
      fix: 'irsactl utils associate-iam-oidc-provider --cluster prod --region us-west-2 --approve',
    });
  });
  it('missing, with providers for other issuers: names them', () => {
    const r = checkOidcProvider(target, facts({ provider: { kind: 'missing', otherArns: [`arn:aws:iam::${ACCOUNT}:oidc-provider/${OTHER_HP}`] } }));
    expect(r.message).toBe(
      `no IAM OIDC provider for issuer ${HP} in account ${ACCOUNT}; account ${ACCOUNT} has providers for other issuers only (${OTHER_HP}): a re-created cluster gets a new issuer`,
    );
  });
  it('without sts.amazonaws.com among the client ids: the add-client-id command', () => {
    const r = checkOidcProvider(target, facts({ provider: { kind: 'found', provider: provider({ clientIds: ['other'] }) } }));
    expect(r).toMatchObject({ status: 'fail', fix: `aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn ${PROVIDER_ARN} --client-id sts.amazonaws.com` });
  });
  it('a role in another account: warns with that account and its provider ARN', () => {
    const r = checkOidcProvider(target, facts({ serviceAccount: sa({ 'eks.amazonaws.com/role-arn': `arn:aws:iam::${OTHER}:role/x` }), provider: { kind: 'unverifiable' } }));
    expect(r.status).toBe('warn');
    expect(r.message).toContain(`cannot verify that arn:aws:iam::${OTHER}:oidc-provider/${HP} exists`);
    expect(r.fix).toBe(`in account ${OTHER}: aws iam create-open-id-connect-provider --url ${ISSUER} --client-id-list sts.amazonaws.com`);
  });
  it('a role in another account without a provider there (readable): fails with the create command for that account', () => {
    const r = checkOidcProvider(
      { ...target, callerAccount: OTHER },
      facts({ serviceAccount: sa({ 'eks.amazonaws.com/role-arn': `arn:aws:iam::${OTHER}:role/x` }), provider: { kind: 'missing', otherArns: [] } }),
    );
    expect(r).toMatchObject({ status: 'fail', message: `no IAM OIDC provider for issuer ${HP} in account ${OTHER}` });
    expect(r.fix).toMatch(/^in account 444455556666: aws iam create-open-id-connect-provider/);
  });
});

describe('2. ServiceAccount and role', () => {
  it('missing ServiceAccount', () => {
    expect(checkServiceAccount(target, facts({ serviceAccount: undefined }))).toMatchObject({ status: 'fail', message: 'ServiceAccount default/app does not exist' });
  });
  it('no annotation', () => {
    const r = checkServiceAccount(target, facts({ serviceAccount: sa({}) }));
    expect(r).toMatchObject({ status: 'fail', message: 'ServiceAccount default/app has no eks.amazonaws.com/role-arn annotation' });
    expect(r.fix).toBe("kubectl annotate --overwrite serviceaccount -n default app 'eks.amazonaws.com/role-arn=arn:aws:iam::<account>:role/<role name>'");
  });
  it('a malformed ARN', () => {
    const r = checkServiceAccount(target, facts({ serviceAccount: sa({ 'eks.amazonaws.com/role-arn': 'app-role' }) }));
    expect(r).toMatchObject({ status: 'fail', message: 'eks.amazonaws.com/role-arn "app-role" is not an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<name>)' });
  });
  it('a role that does not exist', () => {
    expect(checkServiceAccount(target, facts({ role: { kind: 'missing' } }))).toMatchObject({
      status: 'fail',
      message: `the annotation names role app-role, which does not exist in account ${ACCOUNT}`,
    });
  });
  it('a path that differs from the real role ARN', () => {
    const r = checkServiceAccount(target, facts({ role: { kind: 'found', role: { ...roleWith(statement(goodCondition)), arn: `arn:aws:iam::${ACCOUNT}:role/team/app-role` } } }));
    expect(r.status).toBe('warn');
    expect(r.fix).toBe(`kubectl annotate --overwrite serviceaccount -n default app eks.amazonaws.com/role-arn=arn:aws:iam::${ACCOUNT}:role/team/app-role`);
  });
});

describe('3. trust policy', () => {
  const trustOf = (...statements: Record<string, unknown>[]) => checkTrustPolicy(target, facts({ role: { kind: 'found', role: roleWith(...statements) } }));

  it('passes and names the admitting statement; Statement may be a single object', () => {
    expect(trustOf(statement(goodCondition)).message).toBe(`statement 1 lets ${SUBJECT} in (StringEquals sub, StringEquals aud)`);
    const single = checkTrustPolicy(target, facts({ role: { kind: 'found', role: { ...roleWith(), trustPolicy: { Statement: statement(goodCondition) } } } }));
    expect(single.status).toBe('pass');
  });
  it('accepts a list of actions, sts:*, and StringLike patterns', () => {
    expect(trustOf(statement(goodCondition, { Action: ['sts:TagSession', 'sts:*'] })).status).toBe('pass');
    expect(trustOf(statement({ StringLike: { [`${HP}:sub`]: 'system:serviceaccount:default:*' }, StringEquals: { [`${HP}:aud`]: 'sts.amazonaws.com' } })).status).toBe('pass');
    expect(trustOf(statement({ 'ForAnyValue:StringLike': { [`${HP}:sub`]: ['system:serviceaccount:other:*', 'system:serviceaccount:default:ap?'] }, StringEquals: { [`${HP}:aud`]: 'sts.amazonaws.com' } })).status).toBe('pass');
  });
  it('a later statement may be the one that admits', () => {
    const other = statement({ StringEquals: { [`${HP}:sub`]: 'system:serviceaccount:x:y', [`${HP}:aud`]: 'sts.amazonaws.com' } });
    expect(trustOf(other, statement(goodCondition)).message).toMatch(/^statement 2 lets/);
  });
  it('sub for another namespace', () => {
    const r = trustOf(statement({ StringEquals: { [`${HP}:sub`]: 'system:serviceaccount:staging:app', [`${HP}:aud`]: 'sts.amazonaws.com' } }));
    expect(r).toEqual({
      id: 'trust-policy',
      status: 'fail',
      message: `role app-role does not trust ${SUBJECT}: statement 1 lets "system:serviceaccount:staging:app" in (${HP}:sub under StringEquals), not ${SUBJECT}`,
      fix: `set ${HP}:sub to "${SUBJECT}" (or add it to the list): aws iam get-role --role-name app-role --query Role.AssumeRolePolicyDocument --output json > trust.json, edit trust.json, then aws iam update-assume-role-policy --role-name app-role --policy-document file://trust.json`,
    });
  });
  it('swapped values', () => {
    const r = trustOf(statement({ StringEquals: { [`${HP}:sub`]: 'sts.amazonaws.com', [`${HP}:aud`]: SUBJECT } }));
    expect(r.message).toBe(`role app-role does not trust ${SUBJECT}: statement 1 has the sub and aud values swapped (${HP}:sub must be the ServiceAccount, ${HP}:aud must be sts.amazonaws.com)`);
  });
  it('aud not sts.amazonaws.com', () => {
    const r = trustOf(statement({ StringEquals: { [`${HP}:sub`]: SUBJECT, [`${HP}:aud`]: 'sts.amazon.com' } }));
    expect(r.message).toBe(`role app-role does not trust ${SUBJECT}: statement 1 requires ${HP}:aud "sts.amazon.com", but the token's audience is "sts.amazonaws.com"`);
  });
  it('aud is checked against the audience annotation when one is set', () => {
    const f = facts({
      serviceAccount: sa({ 'eks.amazonaws.com/role-arn': ROLE_ARN, 'eks.amazonaws.com/audience': 'my-aud' }),
      role: { kind: 'found', role: roleWith(statement({ StringEquals: { [`${HP}:sub`]: SUBJECT, [`${HP}:aud`]: 'my-aud' } })) },
    });
    expect(checkTrustPolicy(target, f).status).toBe('pass');
  });
  it('a missing aud is a warning: the role works but is not what irsactl/eksctl write', () => {
    const r = trustOf(statement({ StringEquals: { [`${HP}:sub`]: SUBJECT } }));
    expect(r.status).toBe('warn');
    expect(r.message).toContain(`statement 1 has no ${HP}:aud condition`);
  });
  it('a missing sub is a warning: every ServiceAccount may assume the role', () => {
    const r = trustOf(statement({ StringEquals: { [`${HP}:aud`]: 'sts.amazonaws.com' } }));
    expect(r.status).toBe('warn');
    expect(r.message).toContain('every ServiceAccount in the cluster may assume the role');
  });
  it('a wildcard under StringEquals never matches', () => {
    const r = trustOf(statement({ StringEquals: { [`${HP}:sub`]: 'system:serviceaccount:default:*', [`${HP}:aud`]: 'sts.amazonaws.com' } }));
    expect(r.status).toBe('fail');
    expect(r.message).toContain('where * and ? are literal characters: it never matches (under StringLike it would match system:serviceaccount:default:app)');
    expect(r.fix).toMatch(new RegExp(`^move ${HP.replace(/[./]/g, '\\$&')}:sub from StringEquals to StringLike`));
  });
  it("another cluster's issuer in principal and keys", () => {
    const r = trustOf(
      statement({ StringEquals: { [`${OTHER_HP}:sub`]: SUBJECT, [`${OTHER_HP}:aud`]: 'sts.amazonaws.com' } }, { Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${OTHER_HP}` } }),
    );
    expect(r.message).toBe(`role app-role does not trust ${SUBJECT}: statement 1 is for issuer ${OTHER_HP} (another cluster), not this cluster's ${HP}`);
    expect(r.fix).toMatch(new RegExp(`^replace ${OTHER_HP.replace(/[./]/g, '\\$&')} with`));
  });
  it("the right principal but another issuer's condition keys", () => {
    const r = trustOf(statement({ StringEquals: { [`${OTHER_HP}:sub`]: SUBJECT, [`${OTHER_HP}:aud`]: 'sts.amazonaws.com' } }));
    expect(r.message).toBe(`role app-role does not trust ${SUBJECT}: statement 1's condition key ${OTHER_HP}:sub is for issuer ${OTHER_HP} (another cluster), not this cluster's ${HP}`);
  });
  it("the provider of the cluster's account where the role is in another account", () => {
    const f = facts({
      serviceAccount: sa({ 'eks.amazonaws.com/role-arn': `arn:aws:iam::${OTHER}:role/app-role` }),
      role: { kind: 'found', role: { ...roleWith(statement(goodCondition)), arn: `arn:aws:iam::${OTHER}:role/app-role` } },
    });
    const r = checkTrustPolicy({ ...target, callerAccount: OTHER }, f);
    expect(r.message).toBe(`role app-role does not trust ${SUBJECT}: statement 1 trusts the provider in account ${ACCOUNT}, but it must be the one in the role's account ${OTHER}`);
    expect(r.fix).toMatch(new RegExp(`^set Principal.Federated to arn:aws:iam::${OTHER}:oidc-provider/`));
  });
  it('the wrong action', () => {
    expect(trustOf(statement(goodCondition, { Action: 'sts:AssumeRole' })).message).toBe(
      `role app-role does not trust ${SUBJECT}: statement 1 allows sts:AssumeRole, not sts:AssumeRoleWithWebIdentity`,
    );
  });
  it('no web-identity statement at all', () => {
    const r = trustOf({ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' });
    expect(r.status).toBe('fail');
    expect(r.message).toBe(`role app-role's trust policy has no Allow statement for web identity (Federated ${PROVIDER_ARN}, sts:AssumeRoleWithWebIdentity)`);
  });
  it('a Deny statement that matches', () => {
    const r = trustOf(statement(goodCondition), statement(goodCondition, { Effect: 'Deny' }));
    expect(r).toMatchObject({ status: 'fail', message: `statement 2 of role app-role's trust policy denies ${SUBJECT}` });
  });
  it('names the irsactl/eksctl stack in the fix when the role belongs to one', () => {
    const r = checkTrustPolicy(
      target,
      facts({
        managedStack: 'eksctl-prod-addon-iamserviceaccount-default-app',
        role: { kind: 'found', role: roleWith(statement({ StringEquals: { [`${HP}:sub`]: 'system:serviceaccount:x:app', [`${HP}:aud`]: 'sts.amazonaws.com' } })) },
      }),
    );
    // Not `irsactl update`: the stack's template is unchanged, so CloudFormation would leave IAM as it is.
    expect(r.fix).toContain('the role belongs to stack eksctl-prod-addon-iamserviceaccount-default-app, whose template lets default/app in: put that trust policy back with aws iam update-assume-role-policy --role-name app-role --policy-document \'{"Version":"2012-10-17"');
    expect(r.fix).not.toContain('irsactl update');
  });
  it('is skipped without a readable role', () => {
    expect(checkTrustPolicy(target, facts({ role: { kind: 'missing' } }))).toMatchObject({ status: 'skip' });
    expect(checkTrustPolicy(target, facts({ role: { kind: 'unverifiable' } })).status).toBe('skip');
  });
});

describe('4. webhook annotations', () => {
  const withAnnotations = (a: Record<string, string>) => checkWebhookAnnotations(target, facts({ serviceAccount: sa({ 'eks.amazonaws.com/role-arn': ROLE_ARN, ...a }) }));
  it('valid values pass and are listed', () => {
    expect(withAnnotations({ 'eks.amazonaws.com/sts-regional-endpoints': 'true', 'eks.amazonaws.com/token-expiration': '3600' })).toMatchObject({
      status: 'pass',
      message: 'valid: sts-regional-endpoints true, token-expiration 3600',
    });
  });
  it('an audience the provider does not list fails', () => {
    const r = withAnnotations({ 'eks.amazonaws.com/audience': 'my-aud' });
    expect(r.status).toBe('fail');
    expect(r.message).toBe(`eks.amazonaws.com/audience "my-aud" is not a client id of ${PROVIDER_ARN} (sts.amazonaws.com): STS rejects the token`);
  });
  it.each(['yes', 'True'])('sts-regional-endpoints %s is ignored by the webhook: warn', (v) => {
    expect(withAnnotations({ 'eks.amazonaws.com/sts-regional-endpoints': v }).status).toBe('warn');
  });
  it.each(['599', '86401', '1h', '-1', '3600.5'])('token-expiration %s is out of bounds: warn', (v) => {
    expect(withAnnotations({ 'eks.amazonaws.com/token-expiration': v })).toMatchObject({ status: 'warn' });
  });
  it.each(['600', '86400'])('token-expiration %s is in bounds', (v) => {
    expect(withAnnotations({ 'eks.amazonaws.com/token-expiration': v }).status).toBe('pass');
  });
});

describe('5. pods', () => {
  const podsOf = (...pods: PodObject[]) => checkPods(target, facts({ pods: { kind: 'listed', pods } }));
  it('no pods using the ServiceAccount: skipped', () => {
    expect(podsOf(pod('other', { sa: 'someone-else' }))).toEqual({ id: 'pods', status: 'skip', message: 'no pods use it' });
  });
  it('stale pods are listed with the restart fix', () => {
    const old = `arn:aws:iam::${ACCOUNT}:role/old`;
    expect(podsOf(pod('a', { roleArn: old }), pod('b'))).toEqual({
      id: 'pods',
      status: 'fail',
      message: `1 pod(s) still use the old role ${old}, not ${ROLE_ARN}: a`,
      fix: 'restart them: kubectl rollout restart the Deployment/StatefulSet/DaemonSet that owns them, or kubectl delete pod -n default a',
    });
  });
  it('pods the webhook did not mutate', () => {
    const r = podsOf(pod('a', { injected: false }));
    expect(r.status).toBe('fail');
    expect(r.message).toMatch(/^1 pod\(s\) without AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE or the projected token volume/);
  });
  it('a token volume for another audience', () => {
    expect(podsOf(pod('a', { audience: 'other' })).message).toBe('1 pod(s) have a token for another audience than "sts.amazonaws.com": a');
  });
  it('non-root without fsGroup warns; with fsGroup passes', () => {
    expect(podsOf(pod('a', { runAsUser: 1000 }))).toMatchObject({ status: 'warn', fix: 'set spec.securityContext.fsGroup (e.g. 65534) in their pod template' });
    expect(podsOf(pod('a', { runAsUser: 1000, fsGroup: 65534 })).status).toBe('pass');
    expect(podsOf(pod('a', { runAsUser: 0 })).status).toBe('pass');
  });
  it('lists at most five pod names', () => {
    const many = Array.from({ length: 7 }, (_, i) => pod(`p${i}`, { injected: false }));
    expect(podsOf(...many).message).toMatch(/: p0, p1, p2, p3, p4 and 2 more$/);
  });
  it('a forbidden pod list is a warning', () => {
    expect(checkPods(target, facts({ pods: { kind: 'forbidden', message: 'no' } }))).toMatchObject({ status: 'warn', message: 'cannot list pods: no' });
  });
});

describe('6. live test', () => {
  it('reports the assumed identity', () => {
    const r = checkLive(target, facts({ live: { kind: 'assumed', assumedRoleArn: `arn:aws:sts::${ACCOUNT}:assumed-role/app-role/irsactl-doctor`, accountId: ACCOUNT } }));
    expect(r).toEqual({ id: 'live', status: 'pass', message: `a token for default/app assumed arn:aws:sts::${ACCOUNT}:assumed-role/app-role/irsactl-doctor` });
  });
  it('fails when STS hands back a session of another role', () => {
    const r = checkLive(target, facts({ live: { kind: 'assumed', assumedRoleArn: `arn:aws:sts::${ACCOUNT}:assumed-role/other/irsactl-doctor`, accountId: ACCOUNT } }));
    expect(r.status).toBe('fail');
  });
  it('a forbidden TokenRequest is a warning naming the permission', () => {
    const r = checkLive(target, facts({ live: { kind: 'token-forbidden', message: 'forbidden' } }));
    expect(r.status).toBe('warn');
    expect(r.message).toContain('needs RBAC "create" on "serviceaccounts/token" in namespace default');
  });
  it('an STS rejection fails with STS\'s message', () => {
    const r = checkLive(target, facts({ live: { kind: 'sts-failed', message: 'InvalidIdentityToken: No OpenIDConnect provider found' } }));
    expect(r).toMatchObject({ status: 'fail', message: 'STS AssumeRoleWithWebIdentity with a token for default/app failed: InvalidIdentityToken: No OpenIDConnect provider found' });
  });
});

describe('parseRoleArn and long generated role names', () => {
  it('accepts a CloudFormation-generated role name of any length (GetRole decides whether it exists)', async () => {
    const { parseRoleArn } = await import('../../../src/model/arns.js');
    const name = 'eksctl-demo-addon-iamserviceaccount-backend-apps-s3-reader-Role1-CMM9F69GCB94';
    expect(parseRoleArn(`arn:aws:iam::123456789012:role/${name}`)).toMatchObject({ accountId: '123456789012', name });
    expect(parseRoleArn('arn:aws:iam::123:role/short-account')).toBeUndefined();
    expect(parseRoleArn('arn:aws:iam::123456789012:user/not-a-role')).toBeUndefined();
  });
});
