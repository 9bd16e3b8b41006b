import { describe, expect, it } from 'vitest';
import type { PodIdentityAssociationInfo, StackRecord } from '../../../src/aws/ports.js';
import { addonOfOwner, podIdentityHealth } from '../../../src/actions/get-pod-identity.js';

// get podidentityassociation's STATUS, for what the sandbox cannot stage (an add-on's association, a failed or stuck
// role stack: moto never leaves one in ROLLBACK_COMPLETE, harness.md §2). The e2e covers ok and the notes.

const ROLE = 'arn:aws:iam::111122223333:role/made';
const association: PodIdentityAssociationInfo = {
  associationId: 'a-1',
  associationArn: 'arn:aws:eks:us-west-2:111122223333:podidentityassociation/c/a-1',
  namespace: 'apps',
  serviceAccount: 'web',
  roleArn: ROLE,
  tags: {},
};
const stack = (status: string, outputs: Record<string, string> = { Role1: ROLE }): StackRecord => ({
  stackName: 'eksctl-c-podidentityrole-apps-web',
  stackId: 'id',
  status,
  tags: {},
  outputs,
  capabilities: ['CAPABILITY_IAM'],
});

describe('podIdentityHealth', () => {
  it('ok with a usable stack whose role the association uses, or with a role of its own', () => {
    expect(podIdentityHealth({ association, stack: stack('CREATE_COMPLETE') })).toBe('ok');
    expect(podIdentityHealth({ association })).toBe('ok');
  });

  it("an add-on's association says which add-on owns it", () => {
    const ownerArn = 'arn:aws:eks:us-west-2:111122223333:addon/c/vpc-cni/0ec7';
    expect(addonOfOwner(ownerArn)).toBe('vpc-cni');
    expect(podIdentityHealth({ association: { ...association, ownerArn } })).toBe('owned by add-on vpc-cni');
  });

  it('a role stack that failed, is stuck or in progress, or whose role the association does not use', () => {
    expect(podIdentityHealth({ association, stack: stack('ROLLBACK_COMPLETE', {}) })).toBe('role stack failed (ROLLBACK_COMPLETE)');
    expect(podIdentityHealth({ association, stack: stack('UPDATE_ROLLBACK_FAILED') })).toBe('needs attention (UPDATE_ROLLBACK_FAILED)');
    expect(podIdentityHealth({ association, stack: stack('UPDATE_IN_PROGRESS') })).toBe('role stack in progress (UPDATE_IN_PROGRESS)');
    expect(podIdentityHealth({ association, stack: stack('CREATE_COMPLETE', { Role1: 'arn:aws:iam::111122223333:role/other' }) })).toBe("role is not its stack's");
  });

  it('session tags disabled and a session policy are noted after the health', () => {
    expect(podIdentityHealth({ association: { ...association, disableSessionTags: true, policy: '{}' } })).toBe('ok; session tags disabled; session policy');
  });
});
