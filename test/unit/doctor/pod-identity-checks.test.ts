import { describe, expect, it } from 'vitest';
import type { PodIdentityAssociationInfo, RoleInfo } from '../../../src/aws/ports.js';
import type { PodObject } from '../../../src/k8s/ports.js';
import { oidcInfoFrom } from '../../../src/model/oidc.js';
import { checkMechanism, checkPodIdentityChain, mechanismOf } from '../../../src/doctor/pod-identity-checks.js';
import { runChecks } from '../../../src/doctor/checks.js';
import { podIdentityServiceTrust, targetRoleTrust } from '../../../src/doctor/pod-identity-trust.js';
import type { AssociationLookup, DoctorTarget, PodIdentityFacts, ServiceAccountFacts } from '../../../src/doctor/facts.js';

// The Pod Identity checks on facts as the doctor action gathers them (no back-end): each broken link gives one finding.

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/pi-role`;
const IRSA_ROLE = `arn:aws:iam::${ACCOUNT}:role/irsa-role`;
const target: DoctorTarget = { cluster: 'prod', region: 'us-west-2', oidc: oidcInfoFrom('https://oidc.eks.us-west-2.amazonaws.com/id/ABC', 'aws', ACCOUNT), callerAccount: ACCOUNT };
const POD_TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };

const roleInfo = (arn: string, trustPolicy: unknown = POD_TRUST): RoleInfo => ({ arn, name: arn.split('/').pop()!, trustPolicy, tags: {} });
const association = (over: Partial<PodIdentityAssociationInfo> = {}): PodIdentityAssociationInfo => ({
  associationId: 'a-0123456789abcdefg',
  associationArn: `arn:aws:eks:us-west-2:${ACCOUNT}:podidentityassociation/prod/a-0123456789abcdefg`,
  namespace: 'apps',
  serviceAccount: 'app',
  roleArn: ROLE,
  tags: {},
  ...over,
});
const found = (a: PodIdentityAssociationInfo = association(), role: RoleInfo | 'missing' | 'unverifiable' = roleInfo(a.roleArn)): AssociationLookup => ({
  kind: 'found',
  association: a,
  role: typeof role === 'string' ? { kind: role } : { kind: 'found', role },
});

const piPod = (name: string): PodObject => ({
  name,
  namespace: 'apps',
  serviceAccountName: 'app',
  volumes: [{ name: 'eks-pod-identity-token', projectedServiceAccountTokenAudience: 'pods.eks.amazonaws.com' }],
  containers: [{ name: 'app', env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials', AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token' } }],
});

function facts(pi: Partial<PodIdentityFacts> = {}, over: Partial<ServiceAccountFacts> = {}): ServiceAccountFacts {
  return {
    namespace: 'apps',
    name: 'app',
    serviceAccount: { name: 'app', namespace: 'apps', labels: {}, annotations: {} },
    provider: { kind: 'unverifiable' },
    role: { kind: 'missing' },
    pods: { kind: 'listed', pods: [piPod('app-1')] },
    live: { kind: 'not-requested' },
    podIdentity: { association: found(), agent: { source: 'addon', status: 'ACTIVE', version: 'v1' }, live: { kind: 'not-requested' }, ...pi },
    ...over,
  };
}
const byId = (f: ServiceAccountFacts) => Object.fromEntries(checkPodIdentityChain(target, f).map((c) => [c.id, c]));

describe('the mechanism in effect', () => {
  it('an association wins over the annotation; unknown when associations cannot be listed; none without either', () => {
    expect(mechanismOf(facts())).toBe('pod-identity');
    const annotated = { serviceAccount: { name: 'app', namespace: 'apps', labels: {}, annotations: { 'eks.amazonaws.com/role-arn': IRSA_ROLE } } };
    expect(mechanismOf(facts({ association: { kind: 'none' } }, annotated))).toBe('irsa');
    expect(mechanismOf(facts({ association: { kind: 'unknown', message: 'AccessDenied' } }, annotated))).toBe('unknown');
    expect(mechanismOf(facts({ association: { kind: 'none' } }))).toBe('none');
    expect(checkMechanism(target, facts({ association: { kind: 'none' } })).status).toBe('fail');
  });

  it('a shadowed annotation is a warning naming the association and both roles; its IRSA failures become warnings', () => {
    const f = facts({}, { serviceAccount: { name: 'app', namespace: 'apps', labels: {}, annotations: { 'eks.amazonaws.com/role-arn': IRSA_ROLE } } });
    const m = checkMechanism(target, f);
    expect(m.status).toBe('warn');
    expect(m.message).toContain('a-0123456789abcdefg');
    expect(m.message).toContain(ROLE);
    expect(m.message).toContain(IRSA_ROLE);
    const all = runChecks(target, f);
    // the IRSA role is missing (role: missing): a failure of the chain not in effect is a warning
    expect(all.find((c) => c.id === 'service-account')).toMatchObject({ status: 'warn' });
    expect(all.find((c) => c.id === 'service-account')!.message).toMatch(/^not in effect \(the Pod Identity association wins\): /);
    expect(all.some((c) => c.id === 'pods')).toBe(false);
  });
});

describe('checkPodIdentityChain', () => {
  it('a healthy chain passes, and there is nothing to check without an association', () => {
    const c = checkPodIdentityChain(target, facts());
    expect(c.map((r) => [r.id, r.status])).toEqual([
      ['pod-identity-association', 'pass'],
      ['pod-identity-trust', 'pass'],
      ['pod-identity-agent', 'pass'],
      ['pod-identity-pods', 'pass'],
      ['pod-identity-live', 'skip'],
    ]);
    expect(checkPodIdentityChain(target, facts({ association: { kind: 'none' } }))).toEqual([]);
  });

  it("a role in another account than the cluster's: fails with the target-role chaining that fixes it", () => {
    const other = `arn:aws:iam::${OTHER}:role/x`;
    const c = byId(facts({ association: found(association({ roleArn: other }), 'unverifiable') }));
    expect(c['pod-identity-association']!.status).toBe('fail');
    expect(c['pod-identity-association']!.fix).toContain(`--target-role-arn ${other}`);
  });

  it('a trust policy with a Deny for pods.eks.amazonaws.com: names the statement', () => {
    const trust = { Statement: [...POD_TRUST.Statement, { Effect: 'Deny', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:*' }] };
    const c = byId(facts({ association: found(association(), roleInfo(ROLE, trust)) }));
    expect(c['pod-identity-trust']).toMatchObject({ status: 'fail', message: "role pi-role's trust policy: statement 2 denies pods.eks.amazonaws.com, so EKS cannot give pods its credentials" });
  });

  it('a session policy with session tags on fails with --disable-session-tags; with them off it passes', () => {
    const bad = byId(facts({ association: found(association({ policy: '{}', disableSessionTags: false })) }));
    expect(bad['pod-identity-session-policy']).toMatchObject({ status: 'fail' });
    expect(bad['pod-identity-session-policy']!.fix).toBe('aws eks update-pod-identity-association --cluster-name prod --association-id a-0123456789abcdefg --disable-session-tags --region us-west-2');
    expect(byId(facts({ association: found(association({ policy: '{}', disableSessionTags: true })) }))['pod-identity-session-policy']!.status).toBe('pass');
  });

  it('the agent: DEGRADED fails, CREATING warns, Auto Mode passes without an add-on', () => {
    expect(byId(facts({ agent: { source: 'addon', status: 'DEGRADED' } }))['pod-identity-agent']!.status).toBe('fail');
    expect(byId(facts({ agent: { source: 'addon', status: 'CREATING' } }))['pod-identity-agent']!.status).toBe('warn');
    expect(byId(facts({ agent: { source: 'auto-mode' } }))['pod-identity-agent']!.status).toBe('pass');
    expect(byId(facts({ agent: { source: 'missing' } }))['pod-identity-agent']!.fix).toBe('aws eks create-addon --cluster-name prod --addon-name eks-pod-identity-agent --region us-west-2');
  });

  it('a target role in an account these credentials cannot read: a warning with the statement it needs', () => {
    const a = association({ targetRoleArn: `arn:aws:iam::${OTHER}:role/target`, externalId: 'ext-1' });
    const c = byId(facts({ association: { ...found(a), targetRole: { kind: 'unverifiable' } } as AssociationLookup }));
    expect(c['pod-identity-target-role']).toMatchObject({ status: 'warn' });
    expect(c['pod-identity-target-role']!.fix).toContain('"sts:ExternalId":"ext-1"');
  });

  it('--live: an answer for another association or role is a failure', () => {
    const live = { kind: 'assumed' as const, assumedRoleArn: `arn:aws:sts::${ACCOUNT}:assumed-role/other/s`, associationId: 'a-0123456789abcdefg', subject: { namespace: 'apps', serviceAccount: 'app' } };
    expect(byId(facts({ live }))['pod-identity-live']!.status).toBe('fail');
    expect(byId(facts({ live: { ...live, assumedRoleArn: `arn:aws:sts::${ACCOUNT}:assumed-role/pi-role/s` } }))['pod-identity-live']!.status).toBe('pass');
  });
});

describe('IRSA pods after a way back from Pod Identity', () => {
  it('pods that still carry container credentials are named as such, with the restart', () => {
    const f = facts({ association: { kind: 'none' } }, { serviceAccount: { name: 'app', namespace: 'apps', labels: {}, annotations: { 'eks.amazonaws.com/role-arn': IRSA_ROLE } } });
    const pods = runChecks(target, f).find((c) => c.id === 'pods')!;
    expect(pods.status).toBe('fail');
    expect(pods.message).toBe(`1 pod(s) still get EKS Pod Identity credentials (started while an association existed), not ${IRSA_ROLE}: app-1`);
    expect(pods.fix).toContain('kubectl delete pod -n apps app-1');
  });
});

describe('trust evaluation', () => {
  it('wildcard actions grant both; a statement for another principal grants nothing', () => {
    expect(podIdentityServiceTrust({ Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:*' }] }).missing).toEqual([]);
    expect(podIdentityServiceTrust({ Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:*' }] }).missing).toEqual(['sts:AssumeRole', 'sts:TagSession']);
  });

  it("a target role's sts:ExternalId condition must hold for the association's external id; the source account's root is trusted too", () => {
    const stmt = (externalId: string, principal = ROLE) => ({ Statement: [{ Effect: 'Allow', Principal: { AWS: principal }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { StringEquals: { 'sts:ExternalId': externalId } } }] });
    expect(targetRoleTrust(stmt('ext-1'), ROLE, 'ext-1').missing).toEqual([]);
    expect(targetRoleTrust(stmt('ext-2'), ROLE, 'ext-1').missing).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    expect(targetRoleTrust(stmt('ext-1', `arn:aws:iam::${ACCOUNT}:root`), ROLE, 'ext-1').missing).toEqual([]);
  });
});
