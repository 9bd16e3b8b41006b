import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/config/resolve.js';
import { readConfigSource } from '../../../src/config/read.js';
import { NO_WELL_KNOWN } from '../../fixtures/cfn/specs.js';

/** eksctl's own example files: real users' files look like these, so all must load. */
const EXAMPLES_DIR = '/work/shared/eksctl-examples';
const exampleFiles = readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const repoExample = join(import.meta.dirname, '../../../examples/iamserviceaccounts.yaml');

describe("eksctl's example ClusterConfigs", () => {
  it('are all there', () => {
    expect(exampleFiles).toHaveLength(49);
  });

  it.each(exampleFiles)('%s loads for get (and for create when it has service accounts)', async (file) => {
    const path = join(EXAMPLES_DIR, file);
    const source = await readConfigSource(path);
    const got = resolveConfig('get', { configFile: path }, source);
    expect(got.source).toEqual({ kind: 'file', path });
    expect(got.region).toBe(got.cluster.region);
    if (got.cluster.serviceAccounts.length > 0) {
      const created = resolveConfig('create', { configFile: path }, source);
      expect(created.selected).toEqual(created.cluster.serviceAccounts);
    }
  });

  it('13-iamserviceaccounts.yaml: 11 service accounts, 10 needing a stack, a warning for the 123 account id', async () => {
    const path = join(EXAMPLES_DIR, '13-iamserviceaccounts.yaml');
    const got = resolveConfig('create', { configFile: path }, await readConfigSource(path));
    expect(got.cluster.name).toBe('cluster-13');
    expect(got.region).toBe('us-west-2');
    expect(got.cluster.withOIDC).toBe(true);
    expect(got.cluster.serviceAccounts).toHaveLength(11);
    expect(got.cluster.serviceAccounts.filter((sa) => sa.attachRoleARN === undefined)).toHaveLength(10);
    expect(got.warnings).toEqual([
      `${path}: iam.serviceAccounts[10].attachRoleARN: account id "123" in "arn:aws:iam::123:role/already-created-role-for-app" is not 12 digits; IAM will reject it unless you replace it`,
    ]);
    const s3 = got.cluster.serviceAccounts[0];
    expect(s3).toEqual({
      name: 's3-reader',
      namespace: 'backend-apps',
      labels: { 'aws-usage': 'application' },
      annotations: {},
      attachPolicyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
      wellKnownPolicies: NO_WELL_KNOWN,
      roleOnly: false,
      tags: {},
    });
    const inline = got.cluster.serviceAccounts.find((sa) => sa.name === 'autoscaler-service');
    expect(inline?.attachPolicy).toMatchObject({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] });
    expect(got.cluster.serviceAccounts.find((sa) => sa.name === 'cert-manager')?.wellKnownPolicies.certManager).toBe(true);
  });

  it('17-permissions-boundary.yaml: 1 service account in "default", odd iam.* values accepted', async () => {
    const path = join(EXAMPLES_DIR, '17-permissions-boundary.yaml');
    const got = resolveConfig('create', { configFile: path }, await readConfigSource(path));
    expect(got.cluster.serviceAccounts).toHaveLength(1);
    expect(got.selected[0]).toMatchObject({
      name: 's3-reader',
      namespace: 'default',
      permissionsBoundary: 'arn:aws:iam::11111:policy/entity/boundary',
    });
    expect(got.warnings).toHaveLength(1);
    expect(got.warnings[0]).toContain('iam.serviceAccounts[0].permissionsBoundary: account id "11111"');
  });

  it('examples/iamserviceaccounts.yaml is example 13 for cluster "demo" with the same service accounts', async () => {
    const ours = resolveConfig('create', { configFile: repoExample }, await readConfigSource(repoExample));
    const path = join(EXAMPLES_DIR, '13-iamserviceaccounts.yaml');
    const theirs = resolveConfig('create', { configFile: path }, await readConfigSource(path));
    expect(ours.cluster.name).toBe('demo');
    expect(ours.region).toBe('us-west-2');
    expect(ours.cluster.serviceAccounts).toEqual(theirs.cluster.serviceAccounts);
  });
});
