/**
 * Issue 13 item 10: what would stop the Kubernetes step is found before any stack is made for it. The Kubernetes test
 * server models a Terminating namespace (NamespaceLifecycle's 403) and RBAC rules (403 on the write, "no" from a
 * SelfSubjectAccessReview), both checked with the real kubectl in test/integration/sandbox/kube-server.kubectl.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { useE2E } from '../support/cli.js';
import { clusterConfigYaml } from '../support/config.js';

const REGION = 'sa-east-1';
const CLUSTER = 'preflight';
const e = useE2E(CLUSTER, { region: REGION, associate: true });
afterEach(() => {
  e.cluster.kube.deny(undefined);
  e.sandbox.proxy.setFaultInjector(undefined);
});

const apply = (ids: string[], approve = true) =>
  e.run(['apply', '-f', '-', ...(approve ? ['--approve'] : [])], { stdin: clusterConfigYaml(CLUSTER, REGION, ids.map((id) => ({ id }))) });

describe('preflight before half-making', () => {
  it('a Terminating namespace stops the run before any stack, named as what it is (not RBAC)', async () => {
    e.cluster.kube.terminateNamespace('leaving');
    e.sandbox.proxy.resetLog();
    const plan = await apply(['leaving/app', 'fine/app'], false);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toContain('--approve would stop before any change: namespace leaving is being deleted (Terminating)');
    const r = await apply(['leaving/app', 'fine/app']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('namespace leaving is being deleted (Terminating): nothing can be created in it, so leaving/app cannot be set up');
    expect(r.stderr).not.toMatch(/RBAC/);
    // nothing half-made: not even the service account in the healthy namespace
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    expect(e.cluster.kube.getServiceAccount('fine', 'app')).toBeUndefined();
  });

  it('a namespace the identity may not create ServiceAccounts in stops the run before any stack, naming the permission', async () => {
    e.cluster.kube.putNamespace('locked');
    e.cluster.kube.deny({ verb: 'create', resource: 'serviceaccounts', namespace: 'locked' });
    e.sandbox.proxy.resetLog();
    const r = await apply(['locked/app']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('this identity may not create ServiceAccounts in namespace locked (RBAC "create" on "serviceaccounts"), needed for locked/app');
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
  });

  it('a missing namespace the identity may not create stops the run too', async () => {
    e.cluster.kube.deny({ verb: 'create', resource: 'namespaces' });
    e.sandbox.proxy.resetLog();
    const r = await apply(['brand-new/app']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('namespace brand-new does not exist and this identity may not create namespaces');
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
  });

  it('a namespace that starts terminating after the preflight: the write is reported as that, not as RBAC', async () => {
    e.sandbox.proxy.setFaultInjector(({ action }) => {
      if (action === 'CreateStack') e.cluster.kube.terminateNamespace('late');
      return 'pass';
    });
    e.cluster.kube.putNamespace('late');
    const r = await apply(['late/app']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('late/app: namespace late is being deleted (Terminating): nothing new can be created in it');
    expect(r.stderr).not.toMatch(/RBAC permission/);
  });

  it('with nothing in the way, the run goes through', async () => {
    const r = await apply(['fine/app']);
    expect(r.code, r.stderr).toBe(0);
    expect(e.cluster.kube.getServiceAccount('fine', 'app')).toBeDefined();
  });
});
