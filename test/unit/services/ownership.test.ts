import { describe, expect, it } from 'vitest';
import { describeOwner, foreignStackProblem, isOwnedBy, ownerIdIn, stackOwner } from '../../../src/services/ownership.js';
import { rootCauseEvent } from '../../../src/services/stacks.js';
import type { StackEvent } from '../../../src/aws/ports.js';

const name = (cluster: string, ns: string, sa: string) => `eksctl-${cluster}-addon-iamserviceaccount-${ns}-${sa}`;
const tags = (cluster: string, id: string) => ({ 'alpha.eksctl.io/cluster-name': cluster, 'alpha.eksctl.io/iamserviceaccount-name': id });

describe('pod identity role stack ownership', () => {
  const piaName = (cluster: string, ns: string, sa: string) => `eksctl-${cluster}-podidentityrole-${ns}-${sa}`;
  const piaTags = (cluster: string, id: string) => ({ 'alpha.eksctl.io/cluster-name': cluster, 'alpha.eksctl.io/podidentityassociation-name': id });
  it('goes by the podidentityassociation-name tag and eksctl\'s podidentityrole name, never by the iamserviceaccount tag', () => {
    expect(ownerIdIn({ stackName: piaName('prod', 'apps', 'web'), tags: piaTags('prod', 'apps/web') }, 'prod', 'podidentityassociation')).toBe('apps/web');
    // an iamserviceaccount tag on a podidentityrole stack gives it to no association
    expect(ownerIdIn({ stackName: piaName('prod', 'apps', 'web'), tags: tags('prod', 'apps/web') }, 'prod', 'podidentityassociation')).toBeUndefined();
    // and a podidentityassociation tag gives an iamserviceaccount stack to no service account
    expect(ownerIdIn({ stackName: name('prod', 'apps', 'web'), tags: piaTags('prod', 'apps/web') }, 'prod')).toBeUndefined();
    expect(describeOwner(stackOwner(piaTags('dev', 'a/b'), 'podidentityassociation'), 'prod', 'podidentityassociation')).toBe('pod identity association a/b of cluster "dev"');
    const p = foreignStackProblem({ stackName: piaName('prod', 'a', 'b'), tags: {} }, { cluster: 'prod', region: 'eu-west-1', id: 'a/b', kind: 'podidentityassociation' });
    expect(p.message).toMatch(/alpha\.eksctl\.io\/podidentityassociation-name/);
  });
});

describe('stack ownership by tags', () => {
  it("is this service account's only when the tags name this cluster and it, and the name is eksctl's for it", () => {
    expect(ownerIdIn({ stackName: name('prod', 'a-b', 'c'), tags: tags('prod', 'a-b/c') }, 'prod')).toBe('a-b/c');
    expect(isOwnedBy({ stackName: name('prod', 'a-b', 'c'), tags: tags('prod', 'a-b/c') }, 'prod', 'a/b-c')).toBe(false);
    // another cluster whose name makes the same stack name
    expect(ownerIdIn({ stackName: name('prod', 'x-addon-iamserviceaccount-a', 'b'), tags: tags('prod-addon-iamserviceaccount-x', 'a/b') }, 'prod')).toBeUndefined();
    // no tags at all, or a tag naming us on a stack whose name is another's
    expect(ownerIdIn({ stackName: name('prod', 'a', 'b'), tags: {} }, 'prod')).toBeUndefined();
    expect(ownerIdIn({ stackName: name('prod', 'x', 'y'), tags: tags('prod', 'a/b') }, 'prod')).toBeUndefined();
  });

  it('the legacy cluster tag counts when the current one is absent, and never overrides it', () => {
    const legacy = { 'eksctl.cluster.k8s.io/v1alpha1/cluster-name': 'prod', 'alpha.eksctl.io/iamserviceaccount-name': 'a/b' };
    expect(ownerIdIn({ stackName: name('prod', 'a', 'b'), tags: legacy }, 'prod')).toBe('a/b');
    expect(ownerIdIn({ stackName: name('prod', 'a', 'b'), tags: { ...legacy, 'alpha.eksctl.io/cluster-name': 'other' } }, 'prod')).toBeUndefined();
  });

  it('names the real owner and the way out', () => {
    expect(describeOwner(stackOwner({}), 'prod')).toMatch(/^nobody/);
    expect(describeOwner(stackOwner(tags('prod', 'a-b/c')), 'prod')).toBe('service account a-b/c of this cluster');
    expect(describeOwner(stackOwner(tags('dev', 'a/b')), 'prod')).toBe('service account a/b of cluster "dev"');
    const p = foreignStackProblem({ stackName: name('prod', 'a-b', 'c'), tags: tags('prod', 'a-b/c') }, { cluster: 'prod', region: 'eu-west-1', id: 'a/b-c' });
    expect(p.message).toBe(`stack ${name('prod', 'a-b', 'c')} has the name of a/b-c's stack but belongs to service account a-b/c of this cluster: irsactl leaves it alone`);
    expect(p.hint).toContain('give a/b-c another namespace or name');
  });
});

describe('the root cause of a failed stack', () => {
  const ev = (id: string, status: string, reason?: string, type = 'AWS::IAM::Policy'): StackEvent => ({ timestamp: new Date(0), logicalResourceId: id, resourceType: type, resourceStatus: status, ...(reason ? { resourceStatusReason: reason } : {}) });
  const stack = (status: string, reason?: string) => ev('st', status, reason, 'AWS::CloudFormation::Stack');

  it('is the first failure of the latest operation (events come newest first)', () => {
    const events = [
      stack('ROLLBACK_COMPLETE'),
      ev('Policy1', 'CREATE_FAILED', 'Resource creation cancelled'),
      ev('PolicyX', 'CREATE_FAILED', 'the real reason'),
      stack('CREATE_IN_PROGRESS', 'User Initiated'),
    ];
    expect(rootCauseEvent(events, 'st')?.logicalResourceId).toBe('PolicyX');
  });

  it("skips an older operation's failures and cancelled siblings, falling back to a cancelled one only when nothing else failed", () => {
    const events = [
      stack('UPDATE_ROLLBACK_COMPLETE'),
      ev('Role1', 'UPDATE_FAILED', 'Resource update cancelled'),
      stack('UPDATE_IN_PROGRESS', 'User Initiated'),
      ev('Role1', 'CREATE_FAILED', 'old'),
      stack('CREATE_IN_PROGRESS', 'User Initiated'),
    ];
    expect(rootCauseEvent(events, 'st')?.resourceStatusReason).toBe('Resource update cancelled');
    expect(rootCauseEvent([stack('ROLLBACK_COMPLETE')], 'st')).toBeUndefined();
  });
});
