/**
 * Each sandbox cluster has its own OIDC issuer (issue 11 item 7). moto gives every cluster of a server the same
 * one, so before the proxy rewrote it a role made for one cluster looked right for any other. Two clusters in one
 * account and region: DescribeCluster, the OIDC providers irsactl associates and the
 * roles it creates all follow each cluster's issuer, and the doctor catches a ServiceAccount of one cluster
 * annotated with the other cluster's role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { AwsPorts } from '../../src/aws/ports.js';
import type { SandboxCluster } from '../../sandbox/index.js';
import { startE2E, type E2E } from '../support/cli.js';
import { parseRunDocument } from '../support/run-document.js';

const REGION = 'us-west-2';
const A = 'issuer-a';
const B = 'issuer-b';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

let e: E2E;
let b: SandboxCluster;
let aws: AwsPorts;
const hostPath = (issuer: string) => issuer.replace(/^https:\/\//, '');

beforeAll(async () => {
  e = await startE2E(A, REGION);
  b = await e.sandbox.createCluster(e.account, B, REGION);
  aws = await createAwsPorts({ region: REGION, env: e.env });
});
afterAll(async () => {
  await e?.stop();
});

interface DoctorJson {
  serviceAccounts: { namespace: string; name: string; healthy: boolean; checks: { id: string; status: string; message: string; fix: string | null }[] }[];
}

describe('two clusters in one account and region', () => {
  it('have different issuers, in EKS form, and DescribeCluster answers each its own', async () => {
    expect(e.cluster.issuer).not.toBe(b.issuer);
    for (const c of [e.cluster, b]) {
      expect(c.issuer).toMatch(new RegExp(`^https://oidc\\.eks\\.${REGION}\\.amazonaws\\.com/id/[0-9A-F]{32}$`));
      expect((await aws.eks.describeCluster(c.cluster)).oidcIssuer).toBe(c.issuer);
    }
  });

  it('associate makes one provider per cluster, each for its issuer', async () => {
    for (const cluster of [A, B]) {
      const r = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', cluster, '--region', REGION, '--approve']);
      expect(r.code, r.stderr).toBe(0);
    }
    const arns = await aws.iam.listOidcProviderArns();
    for (const c of [e.cluster, b]) expect(arns).toContain(`arn:aws:iam::${e.account.accountId}:oidc-provider/${hostPath(c.issuer)}`);
  });

  it("the doctor catches a ServiceAccount annotated with the other cluster's role, and passes the right one", async () => {
    const created = await e.run(['create', 'iamserviceaccount', '--cluster', B, '--region', REGION, '--namespace', 'apps', '--name', 'app', '--attach-policy-arn', S3_READ, '--approve', '-o', 'json']);
    expect(created.code, created.stderr).toBe(0);
    const roleArn = parseRunDocument(created.stdout).items[0]!.role.arn!;
    // the role trusts cluster B's issuer, as IAM stores it
    const role = await aws.iam.getRole(roleArn.split('/').pop()!);
    expect(JSON.stringify(role?.trustPolicy)).toContain(hostPath(b.issuer));
    expect(JSON.stringify(role?.trustPolicy)).not.toContain(hostPath(e.cluster.issuer));

    // cluster A's ServiceAccount of the same name, annotated with B's role (a copied manifest)
    e.cluster.kube.putServiceAccount({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: 'apps', name: 'app', annotations: { 'eks.amazonaws.com/role-arn': roleArn } } });
    const wrong = await e.run(['doctor', '--cluster', A, '--region', REGION, '--namespace', 'apps', '--name', 'app', '-o', 'json']);
    expect(wrong.code).toBe(1);
    const trustCheck = (JSON.parse(wrong.stdout) as DoctorJson).serviceAccounts[0]!.checks.find((c) => c.id === 'trust-policy');
    expect(trustCheck).toMatchObject({ status: 'fail' });
    expect(trustCheck!.message).toContain(`is for issuer ${hostPath(b.issuer)} (another cluster), not this cluster's ${hostPath(e.cluster.issuer)}`);

    const right = await e.run(['doctor', '--cluster', B, '--region', REGION, '--namespace', 'apps', '--name', 'app', '-o', 'json']);
    expect(right.code, right.stdout).toBe(0);
    expect((JSON.parse(right.stdout) as DoctorJson).serviceAccounts[0]!.healthy).toBe(true);
  });
});
