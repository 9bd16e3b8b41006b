/**
 * Issue 13 item 4: a change that replaces the role, or leaves a stack's role behind, is called by its name in the
 * plan. moto does not apply UpdateStack to IAM (harness.md §2), so what CloudFormation then does to the role is not
 * observable here; what is tested is what irsactl says before and the stack it leaves alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from '../support/cli.js';
import { clusterConfigYaml } from '../support/config.js';

const REGION = 'ca-central-1';
const CLUSTER = 'replace';
let e: E2E;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  await e.associate();
  const created = await e.run(['apply', '-f', '-', '--approve'], { stdin: clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/web' }, { id: 'apps/batch' }]) });
  expect(created.code, created.stderr).toBe(0);
  e.cluster.kube.putPod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'apps', name: 'web-5d8f7' },
    spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'app' }] },
  });
}, 60_000);
afterAll(async () => {
  await e?.stop();
});

describe('role replacement is called by its name', () => {
  it('naming a role CloudFormation named: the plan says the role is replaced and lists the pods to restart', async () => {
    const file = clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/web', extra: { roleName: 'web-named' } }, { id: 'apps/batch' }]);
    const r = await e.run(['apply', '-f', '-'], { stdin: file });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('~ role name: (none) → web-named');
    expect(r.stderr).toMatch(/apps\/web: this update replaces the role: CloudFormation creates a new one named web-named and deletes arn:aws:iam::\d{12}:role\/\S+, so its ARN changes/);
    expect(r.stderr).toMatch(/apps\/web: 1 pod\(s\) use apps\/web and keep the old role until restarted: web-5d8f7; .*kubectl delete pod -n apps web-5d8f7/);
    expect(r.stderr).not.toMatch(/apps\/batch: this update replaces/);
  });

  it('update --attach-role-arn on a service account with a stack says the stack and its role stay, and how to delete them', async () => {
    const other = 'arn:aws:iam::123456789012:role/managed-elsewhere';
    e.sandbox.proxy.resetLog();
    const r = await e.run(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'batch', '--attach-role-arn', other, '--approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/the ServiceAccount will use arn:aws:iam::123456789012:role\/managed-elsewhere instead of the role of stack eksctl-replace-addon-iamserviceaccount-apps-batch \(arn:aws:iam::\d{12}:role\/\S+\), which stays as it is/);
    expect(r.stderr).toContain('irsactl delete iamserviceaccount --cluster replace --region ca-central-1 --namespace apps --name batch --wait');
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBe(0);
    const sa = e.cluster.kube.getServiceAccount('apps', 'batch') as { metadata: { annotations?: Record<string, string> } };
    expect(sa.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe(other);
  });
});
