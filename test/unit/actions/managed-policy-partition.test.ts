import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryCluster, type MemoryCluster } from '../../support/memory-cli.js';

// Issue 17 item 5: outside the aws partition, each AWS-managed policy a well-known or controller policy attaches is
// looked up once with GetPolicy before any change. The in-memory IAM answers NoSuchEntity for the ARNs a test names
// (moto has no partition without the aws policies' copies to prove this against; the sandbox runs aws only).

const dir = mkdtempSync(join(tmpdir(), 'irsactl-partition-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function clusterFile(m: MemoryCluster, iam: string[]): string {
  const path = join(dir, `${m.cluster}-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, ['apiVersion: eksctl.io/v1alpha5', 'kind: ClusterConfig', `metadata: {name: ${m.cluster}, region: ${m.region}}`, 'iam:', '  withOIDC: true', ...iam, ''].join('\n'));
  return path;
}
const SERVICE_ACCOUNTS = [
  '  serviceAccounts:',
  '  - metadata: {name: ebs, namespace: kube-system}',
  '    wellKnownPolicies: {ebsCSIController: true, imageBuilder: true}',
  '  - metadata: {name: cw, namespace: amazon-cloudwatch}',
  '    controllerPolicies: {cloudWatchObservability: {}}',
  '  - metadata: {name: ebs2, namespace: kube-system}',
  '    wellKnownPolicies: {ebsCSIController: true}',
];
const getPolicies = (m: MemoryCluster) => m.aws.calls.filter((c) => c.startsWith('iam.getPolicy'));

describe('managed policies in the cluster partition (plan time)', () => {
  it('aws: no GetPolicy', async () => {
    const m = memoryCluster();
    const r = await m.run(['create', 'iamserviceaccount', '-f', clusterFile(m, SERVICE_ACCOUNTS)]);
    expect(r.code, r.stderr).toBe(0);
    expect(getPolicies(m)).toEqual([]);
  });

  it('aws-us-gov: one GetPolicy per distinct ARN, then the plan as usual', async () => {
    const m = memoryCluster({ region: 'us-gov-west-1', iam: { partition: 'aws-us-gov' } });
    const r = await m.run(['create', 'iamserviceaccount', '-f', clusterFile(m, SERVICE_ACCOUNTS)]);
    expect(r.code, r.stderr).toBe(0);
    expect(getPolicies(m).sort()).toEqual([
      'iam.getPolicy arn:aws-us-gov:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser',
      'iam.getPolicy arn:aws-us-gov:iam::aws:policy/CloudWatchAgentServerPolicy',
      'iam.getPolicy arn:aws-us-gov:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy',
    ]);
  });

  it('a policy the partition lacks: a plan error naming it, the partition, who uses it and what to do; nothing written', async () => {
    const missing = 'arn:aws-cn:iam::aws:policy/CloudWatchAgentServerPolicy';
    const m = memoryCluster({ region: 'cn-north-1', iam: { partition: 'aws-cn', missingPolicies: [missing] } });
    const r = await m.run(['create', 'iamserviceaccount', '-f', clusterFile(m, SERVICE_ACCOUNTS), '--approve']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`the aws-cn partition has no managed policy ${missing} (for amazon-cloudwatch/cw)`);
    expect(r.stderr).toMatch(/attach a policy that exists there instead/);
    expect(m.aws.calls.filter((c) => c.startsWith('cfn.createStack'))).toEqual([]);
  });

  it('pod identity associations are checked too', async () => {
    const missing = 'arn:aws-us-gov:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy';
    const m = memoryCluster({ region: 'us-gov-west-1', iam: { partition: 'aws-us-gov', missingPolicies: [missing] } });
    const file = clusterFile(m, ['  podIdentityAssociations:', '  - namespace: kube-system', '    serviceAccountName: ebs-csi-controller-sa', '    wellKnownPolicies: {ebsCSIController: true}']);
    const r = await m.run(['create', 'podidentityassociation', '-f', file, '--approve']);
    expect(r.stderr).toContain(`has no managed policy ${missing} (for kube-system/ebs-csi-controller-sa)`);
    expect(m.aws.calls.filter((c) => c.startsWith('cfn.createStack'))).toEqual([]);
  });
});
