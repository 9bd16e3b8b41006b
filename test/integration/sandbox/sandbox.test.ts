import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { get } from 'node:https';
import { CreatePodIdentityAssociationCommand, DeletePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../../src/aws/factory.js';
import { startSandbox, type Sandbox } from '../../../sandbox/index.js';
import { startMoto } from '../../../sandbox/moto.js';
import { motoUrl } from '../../support/aws.js';

/** The sandbox wiring: moto account → EKS cluster → proxy → Kubernetes test server over TLS. */

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The HTTP status of a GET that trusts only `caPem`; rejects on a TLS failure. */
function httpsStatus(url: string, caPem: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(`${url}/version`, { ca: caPem }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

describe('startSandbox on the shared moto', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ moto: { url: motoUrl() } });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('creates a cluster whose DescribeCluster leads to its Kubernetes server', async () => {
    const account = await sandbox.newAccount();
    const region = 'us-east-2';
    const cluster = await sandbox.createCluster(account, 'sbx', region);
    expect(cluster.arn).toBe(`arn:aws:eks:${region}:${account.accountId}:cluster/sbx`);
    expect(cluster.issuer).toMatch(/^https:\/\/oidc\.eks\.us-east-2\.amazonaws\.com\/id\//);

    const env = sandbox.cliEnv(account, region);
    expect(env).toMatchObject({ AWS_ENDPOINT_URL: sandbox.proxyUrl, AWS_REGION: region, NO_COLOR: '1', AWS_EC2_METADATA_DISABLED: 'true' });
    expect(readFileSync(env.AWS_CONFIG_FILE, 'utf8')).toBe('');

    const aws = await createAwsPorts({ region, env });
    expect((await aws.sts.getCallerIdentity()).account).toBe(account.accountId);
    const info = await aws.eks.describeCluster('sbx');
    expect(info).toMatchObject({ endpoint: cluster.kube.url, certificateAuthorityData: cluster.kube.caData, oidcIssuer: cluster.issuer });

    // The CA that DescribeCluster hands out really is the server's: TLS succeeds with it alone.
    const caPem = Buffer.from(info.certificateAuthorityData ?? '', 'base64').toString('utf8');
    expect([200, 401]).toContain(await httpsStatus(info.endpoint ?? '', caPem));
    expect(sandbox.proxy.count('eks', 'DescribeCluster')).toBe(1);
  });

  it("tells each cluster's Kubernetes server its Pod Identity associations, at every pod creation", async () => {
    const account = await sandbox.newAccount();
    const region = 'eu-west-1';
    const cluster = await sandbox.createCluster(account, 'podid-wired', region);
    const other = await sandbox.createCluster(account, 'podid-other', region);
    const client = { endpoint: sandbox.proxyUrl, region, maxAttempts: 1, credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey } };
    const iam = new IAMClient(client);
    const eks = new EKSClient(client);
    try {
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
      const roleArn = (await iam.send(new CreateRoleCommand({ RoleName: 'wired-pod-role', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role?.Arn ?? '';
      const { association } = await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: 'podid-wired', namespace: 'apps', serviceAccount: 'web', roleArn }));
      const pod = (name: string) => ({ metadata: { name, namespace: 'apps' }, spec: { serviceAccountName: 'web', containers: [{ name: 'web', image: 'nginx' }] } });
      const envNames = (p: Record<string, unknown>) =>
        ((p.spec as { containers: { env?: { name: string }[] }[] }).containers[0].env ?? []).map((e) => e.name);
      for (const c of [cluster, other]) c.kube.putNamespace('apps');

      const mutated = cluster.kube.createPod(pod('web-1'));
      expect(envNames(mutated)).toEqual(['AWS_STS_REGIONAL_ENDPOINTS', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE']);
      expect((mutated.metadata as { labels?: unknown }).labels).toEqual({ 'eks.amazonaws.com/pod-identity': 'enabled' });
      // the same ServiceAccount name in another cluster has no association there
      expect(envNames(other.kube.createPod(pod('web-1')))).toEqual([]);

      await eks.send(new DeletePodIdentityAssociationCommand({ clusterName: 'podid-wired', associationId: association?.associationId ?? '' }));
      expect(envNames(cluster.kube.createPod(pod('web-2')))).toEqual([]);
      // the pod made while it was associated keeps what the webhook gave it
      expect(envNames(cluster.kube.getPod('apps', 'web-1') ?? {})).toContain('AWS_CONTAINER_CREDENTIALS_FULL_URI');
    } finally {
      iam.destroy();
      eks.destroy();
    }
  });

  it('stop() stops the Kubernetes servers it started but not a moto it was given', async () => {
    const own = await startSandbox({ moto: { url: motoUrl() } });
    const account = await own.newAccount();
    const { kube } = await own.createCluster(account, 'gone', 'us-east-2');
    await own.stop();
    await expect(httpsStatus(kube.url, kube.caPem)).rejects.toThrow(/ECONNREFUSED/);
    // the dashboard, not data.json: the shared moto's whole state (every test file's) takes long to dump under load
    expect((await fetch(`${motoUrl()}/moto-api/`)).ok).toBe(true);
  });
});

describe('startMoto', () => {
  it('starts a seeded moto that logs to a file, and stops it by PID', async () => {
    const moto = await startMoto();
    try {
      expect(isAlive(moto.pid)).toBe(true);
      expect((await fetch(`${moto.url}/moto-api/data.json`)).ok).toBe(true);
      expect(existsSync(moto.logFile)).toBe(true);
    } finally {
      await moto.stop();
    }
    expect(isAlive(moto.pid)).toBe(false);
  });

  it('says how to install moto when neither moto_server nor python3 is on PATH', async () => {
    const path = process.env.PATH;
    process.env.PATH = mkdtempSync(join(tmpdir(), 'irsactl-empty-path-'));
    try {
      await expect(startMoto()).rejects.toThrow("moto_server not found: install it with pip install 'moto[server]'");
    } finally {
      process.env.PATH = path;
    }
  });
});
