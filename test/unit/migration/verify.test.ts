import { describe, expect, it } from 'vitest';
import type { PodIdentityAssociationInfo, RoleInfo } from '../../../src/aws/ports.js';
import type { PodObject } from '../../../src/k8s/ports.js';
import { oidcInfoFrom } from '../../../src/model/oidc.js';
import { checkPodIdentityChain, type PodIdentityChainFacts } from '../../../src/doctor/pod-identity-checks.js';
import type { AssociationLookup, DoctorTarget } from '../../../src/doctor/facts.js';
import { judgeVerification } from '../../../src/migration/verify.js';

// Phase 3 of the migration: the doctor's Pod Identity chain checks, run on gathered facts (no back-end), judged for
// the migration: what stops the cut-over and what is only said.

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/irsa-app`;
const target: DoctorTarget = { cluster: 'prod', region: 'us-west-2', oidc: oidcInfoFrom('https://oidc.eks.us-west-2.amazonaws.com/id/ABC', 'aws', ACCOUNT), callerAccount: ACCOUNT };
const DUAL_TRUST = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Federated: target.oidc.providerArn }, Action: 'sts:AssumeRoleWithWebIdentity' },
    { Sid: 'IrsactlMigrateToPodIdentity', Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
  ],
};
const role = (trustPolicy: unknown = DUAL_TRUST): RoleInfo => ({ arn: ROLE, name: 'irsa-app', trustPolicy, tags: {} });
const association = (roleArn = ROLE): PodIdentityAssociationInfo => ({
  associationId: 'a-0123456789abcdefg',
  associationArn: `arn:aws:eks:us-west-2:${ACCOUNT}:podidentityassociation/prod/a-0123456789abcdefg`,
  namespace: 'apps',
  serviceAccount: 'app',
  roleArn,
  tags: {},
});
const found = (a = association(), r = role()): AssociationLookup => ({ kind: 'found', association: a, role: { kind: 'found', role: r } });
/** a pod from before the association: IRSA's environment only */
const irsaPod: PodObject = { name: 'app-1', namespace: 'apps', serviceAccountName: 'app', volumes: [], containers: [{ name: 'app', env: { AWS_ROLE_ARN: ROLE, AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' } }] };

function judge(a: AssociationLookup, opts: { pods?: PodObject[]; cutOver?: boolean; agentStatus?: string } = {}) {
  const facts: PodIdentityChainFacts = {
    namespace: 'apps',
    name: 'app',
    serviceAccount: { name: 'app', namespace: 'apps', labels: {}, annotations: { 'eks.amazonaws.com/role-arn': ROLE } },
    pods: { kind: 'listed', pods: opts.pods ?? [] },
    podIdentity: { association: a, agent: { source: 'addon', status: opts.agentStatus ?? 'ACTIVE' }, live: { kind: 'not-requested' } },
  };
  return judgeVerification({ id: 'apps/app', expectedRoleArn: ROLE, association: a, checks: checkPodIdentityChain(target, facts), cutOver: opts.cutOver ?? false });
}

describe('the migration verification (the doctor checks, judged)', () => {
  it('passes on the association, the dual trust and the agent', () => {
    const v = judge(found());
    expect(v.failures).toEqual([]);
    expect(v.passed.map((p) => p.id)).toEqual(['pod-identity-association', 'pod-identity-trust', 'pod-identity-agent']);
  });

  it('no association, or one with another role, stops it', () => {
    expect(judge({ kind: 'none' }).failures.map((f) => f.message)).toEqual(['apps/app has no pod identity association']);
    const other = `arn:aws:iam::${ACCOUNT}:role/someone-else`;
    const v = judge(found(association(other), { ...role(), arn: other, name: 'someone-else' }));
    expect(v.failures.map((f) => f.message)).toContain(`the association of apps/app gives role ${other}, not ${ROLE}`);
  });

  it("a trust without pods.eks.amazonaws.com fails with the doctor's fix", () => {
    const v = judge(found(association(), role({ Version: '2012-10-17', Statement: [DUAL_TRUST.Statement[0]] })));
    expect(v.failures).toHaveLength(1);
    expect(v.failures[0]!.message).toMatch(/pods\.eks\.amazonaws\.com/);
    expect(v.failures[0]!.fix).toMatch(/aws iam update-assume-role-policy --role-name irsa-app/);
  });

  it('an agent not ACTIVE stops it', () => {
    expect(judge(found(), { agentStatus: 'DEGRADED' }).failures.map((f) => f.message).join()).toMatch(/eks-pod-identity-agent/);
  });

  it('pods from before the association: a warning with the restart while IRSA still works, a failure before a cut-over', () => {
    const kept = judge(found(), { pods: [irsaPod] });
    expect(kept.failures).toEqual([]);
    expect(kept.warnings.map((w) => w.message).join()).toContain('app-1');
    expect(kept.warnings.map((w) => w.fix).join()).toMatch(/kubectl/);
    const cut = judge(found(), { pods: [irsaPod], cutOver: true });
    expect(cut.failures.map((f) => f.message).join()).toContain('app-1');
    expect(cut.failures.map((f) => f.fix).join()).toMatch(/restart them: .*kubectl/);
  });
});
