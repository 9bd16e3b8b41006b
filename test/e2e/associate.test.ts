/**
 * `irsactl utils associate-iam-oidc-provider` end to end: the sandbox's moto behind the rewriting proxy,
 * irsactl's real default path (DescribeCluster through the proxy). State is read back from moto directly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { AwsPorts } from '../../src/aws/ports.js';
import { startE2E, type E2E } from '../support/cli.js';
import { testAwsOptions } from '../support/aws.js';
import { parseRunDocument } from '../support/run-document.js';

const REGION = 'us-west-2';
const CLUSTER = 'assoc-e2e';

let e: E2E;
let aws: AwsPorts;
let providerArn: string;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  aws = await createAwsPorts(testAwsOptions(e.account, REGION));
  providerArn = `arn:aws:iam::${e.account.accountId}:oidc-provider/${e.cluster.issuer.replace(/^https:\/\//, '')}`;
});
afterAll(async () => {
  await e?.stop();
});

describe('utils associate-iam-oidc-provider', () => {
  it('without --approve prints the plan and changes nothing', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', CLUSTER, '--region', REGION]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${providerArn}\twould-create\n`);
    expect(r.stderr).toContain('would create IAM OIDC provider');
    expect(r.stderr).toContain("run again with '--approve'");
    // Narration stays off stdout.
    expect(r.stdout).not.toContain('would create');
    expect(await aws.iam.getOidcProvider(providerArn)).toBeUndefined();
    expect(e.sandbox.proxy.count('iam', 'CreateOpenIDConnectProvider')).toBe(0);
    expect(e.sandbox.proxy.count('eks', 'TagResource')).toBe(0);
  });

  it('--approve creates the provider for sts.amazonaws.com with eksctl tags, no thumbprint, and says so', async () => {
    const r = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', CLUSTER, '--region', REGION, '--approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${providerArn}\tcreated\n`);
    // The sandbox's issuer host cannot be reached: the provider is made without a thumbprint, and the user is told.
    expect(r.stderr).toMatch(/could not reach the issuer .* creating the provider without a thumbprint/);

    const provider = await aws.iam.getOidcProvider(providerArn);
    expect(provider).toBeDefined();
    expect(provider!.clientIds).toEqual(['sts.amazonaws.com']);
    expect(provider!.thumbprints).toEqual([]);
    expect(provider!.url).toBe(e.cluster.issuer.replace(/^https:\/\//, ''));
    expect(provider!.tags['alpha.eksctl.io/cluster-name']).toBe(CLUSTER);
    expect(provider!.tags['alpha.eksctl.io/eksctl-version']).toMatch(/\S/);

    const cluster = await aws.eks.describeCluster(CLUSTER);
    expect(cluster.tags['alpha.eksctl.io/cluster-oidc-enabled']).toBe('true');
  });

  it('a second --approve says the provider exists, creates nothing and exits 0', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['utils', 'associate-iam-oidc-provider', CLUSTER, '--region', REGION, '--approve', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(parseRunDocument(r.stdout)).toMatchObject({ kind: 'Result', command: 'utils associate-iam-oidc-provider', cluster: CLUSTER, region: REGION, oidcProvider: { arn: providerArn, exists: true, action: 'none', outcome: 'exists' }, items: [] });
    expect(r.stderr).toContain('already associated');
    expect(e.sandbox.proxy.count('iam', 'CreateOpenIDConnectProvider')).toBe(0);
    expect(await aws.iam.listOidcProviderArns()).toEqual([providerArn]);
  });

  it('a run whose cluster tagging failed after creating the provider is finished by the next run', async () => {
    const sc = await e.sandbox.createCluster(e.account, 'assoc-retag', REGION);
    const denied = JSON.stringify({ message: 'User is not authorized to perform: eks:TagResource' });
    e.sandbox.proxy.setFaultInjector(({ action }) =>
      action === 'TagResource' ? { status: 403, body: denied, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' } } : 'pass',
    );
    try {
      const first = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', sc.cluster, '--region', REGION, '--approve']);
      expect(first.code).toBe(1);
      expect(first.stderr).toContain('eks:TagResource');
    } finally {
      e.sandbox.proxy.setFaultInjector(undefined);
    }
    expect((await aws.eks.describeCluster(sc.cluster)).tags['alpha.eksctl.io/cluster-oidc-enabled']).toBeUndefined();
    const plan = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', sc.cluster, '--region', REGION]);
    expect(plan.stderr).toContain('would tag cluster "assoc-retag" alpha.eksctl.io/cluster-oidc-enabled=true');
    const again = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', sc.cluster, '--region', REGION, '--approve']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('tagged cluster "assoc-retag"');
    expect((await aws.eks.describeCluster(sc.cluster)).tags['alpha.eksctl.io/cluster-oidc-enabled']).toBe('true');
    // and once tagged, a re-run tags nothing
    e.sandbox.proxy.resetLog();
    expect((await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', sc.cluster, '--region', REGION, '--approve'])).code).toBe(0);
    expect(e.sandbox.proxy.count('eks', 'TagResource')).toBe(0);
  });

  it('-f takes the cluster and region from a ClusterConfig (here on stdin)', async () => {
    const config = `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: ${CLUSTER}\n  region: ${REGION}\niam:\n  withOIDC: true\n`;
    const r = await e.run(['utils', 'associate-iam-oidc-provider', '-f', '-', '--approve'], { stdin: config });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${providerArn}\texists\n`);
  });

  it('a missing cluster exits 1 naming it', async () => {
    const r = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', 'no-such-cluster', '--region', REGION, '--approve']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('no-such-cluster');
  });

  it('bad input exits 2 before any AWS request', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['utils', 'associate-iam-oidc-provider', '--region', REGION, '--approve']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(e.sandbox.proxy.requests).toEqual([]);
  });
});
