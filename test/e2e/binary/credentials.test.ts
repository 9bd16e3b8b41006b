import { createHash } from 'node:crypto';
import { request as httpsRequest } from 'node:https';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eksToken } from '../../../src/aws/eks-token.js';
import { startSandbox, type Sandbox, type SandboxCluster } from '../../../sandbox/index.js';
import { createMotoAccessKey, type MotoAccount } from '../../../sandbox/moto.js';
import { motoUrl } from '../../support/aws.js';
import { runCli } from '../../support/run-cli.js';
import { startForwardProxy } from '../../../sandbox/forward-proxy.js';
import { ensureBuilt, runBinary, type BinaryRun, startContainerCredentialsServer, startInstanceMetadata, startSsoPortal, startStsTap, type StsTap } from './support.js';

/**
 * Issue 11 items 1 and 6: the built bundle (`node bin/irsactl.js`) with credentials given each way the sandbox can
 * serve. Every run creates an iamserviceaccount by file (withOIDC), so it goes through the AWS calls and then the EKS
 * token to the Kubernetes test server, which checks the token's signature offline and logs the access key that
 * signed it: each test asserts which identity reached Kubernetes, not only that AWS answered.
 */

const REGION = 'us-east-2';
let sandbox: Sandbox;
let account: MotoAccount;
let tap: StsTap;
let scratch: string;
const clusters: SandboxCluster[] = [];
let caseCount = 0;

beforeAll(async () => {
  ensureBuilt();
  sandbox = await startSandbox({ moto: { url: motoUrl() } });
  account = await sandbox.newAccount();
  // Real EKS asks STS about keys STS issued; the test servers learn them from the tap.
  tap = await startStsTap(sandbox.proxyUrl, (accessKeyId, secretAccessKey) => {
    for (const c of clusters) c.kube.addCredential(accessKeyId, secretAccessKey);
  });
  scratch = mkdtempSync(join(tmpdir(), 'irsactl-binary-creds-'));
}, 60_000);

afterAll(async () => {
  await tap?.stop();
  await sandbox?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

interface Case {
  cluster: SandboxCluster;
  /** HOME of the run: its .aws/config and .aws/credentials are the SDK's default files */
  home: string;
  /** what every run gets: the sandbox endpoints, no credentials, no IMDS */
  env: Record<string, string>;
}

async function newCase(): Promise<Case> {
  const name = `creds-${++caseCount}`;
  const cluster = await sandbox.createCluster(account, name, REGION);
  clusters.push(cluster);
  const home = join(scratch, name);
  mkdirSync(join(home, '.aws'), { recursive: true });
  // The OIDC provider is set-up, not under test: made in-process with the account's static keys.
  const associated = await runCli(['utils', 'associate-iam-oidc-provider', '--cluster', name, '--region', REGION, '--approve'], sandbox.cliEnv(account, REGION));
  if (associated.code !== 0) throw new Error(`associate-iam-oidc-provider failed: ${associated.stderr}`);
  cluster.kube.resetLog();
  const env = {
    HOME: home,
    AWS_ENDPOINT_URL: sandbox.proxyUrl,
    AWS_ENDPOINT_URL_STS: tap.url,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    NO_COLOR: '1',
    IRSACTL_POLL_INTERVAL_MS: '50',
    AWS_MAX_ATTEMPTS: '2',
  };
  return { cluster, home, env };
}

/** The HTTP status the cluster's test server answers a namespace list with, for `token`. */
function kubeStatus(cluster: SandboxCluster, token: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = httpsRequest(`${cluster.kube.url}/api/v1/namespaces`, { ca: cluster.kube.caPem, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    });
    req.on('error', fail);
    req.end();
  });
}

const ini = (sections: Record<string, Record<string, string>>): string =>
  Object.entries(sections)
    .map(([section, keys]) => `[${section}]\n${Object.entries(keys).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`)
    .join('\n');

const staticKeys = () => ({ aws_access_key_id: account.accessKeyId, aws_secret_access_key: account.secretAccessKey });

const createArgs = (c: Case) => ['create', 'iamserviceaccount', '--cluster', c.cluster.cluster, '--name', 'reader', '--attach-policy-arn', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', '--approve'];

/** Runs `create iamserviceaccount … --approve` and proves the ServiceAccount was made with a token signed by `expectedKey`. */
async function createReachesKubernetes(c: Case, env: Record<string, string>, extraArgs: string[], expectedKey: () => string): Promise<BinaryRun> {
  const run = await runBinary([...createArgs(c), ...extraArgs], env);
  expect(run.code, run.stderr).toBe(0);
  const sa = c.cluster.kube.getServiceAccount('default', 'reader') as { metadata?: { annotations?: Record<string, string> } } | undefined;
  expect(sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toMatch(new RegExp(`^arn:aws:iam::${account.accountId}:role/`));
  const kubeRequests = c.cluster.kube.requests;
  expect(kubeRequests.filter((r) => r.status === 401)).toEqual([]);
  expect(kubeRequests.some((r) => r.method === 'POST' && r.path.endsWith('/serviceaccounts'))).toBe(true);
  expect([...new Set(kubeRequests.map((r) => r.accessKeyId))]).toEqual([expectedKey()]);
  return run;
}

/** A `deployer` profile that assumes a role with the `base` profile's static keys. */
async function withAssumeRoleProfile(c: Case): Promise<Case> {
  writeFileSync(join(c.home, '.aws/credentials'), ini({ base: staticKeys() }));
  // moto puts an assumed role's keys in the account of the role ARN, where the cluster is.
  writeFileSync(join(c.home, '.aws/config'), ini({ 'profile deployer': { role_arn: `arn:aws:iam::${account.accountId}:role/deployer`, source_profile: 'base', region: REGION } }));
  return c;
}

describe('credentials files', () => {
  it('AWS_PROFILE names a profile of AWS_SHARED_CREDENTIALS_FILE; the region comes from AWS_CONFIG_FILE', async () => {
    const c = await newCase();
    const credentialsFile = join(c.home, 'creds.ini');
    const configFile = join(c.home, 'config.ini');
    writeFileSync(credentialsFile, ini({ dev: staticKeys() }));
    writeFileSync(configFile, ini({ 'profile dev': { region: REGION } }));
    const env = { ...c.env, AWS_PROFILE: 'dev', AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_CONFIG_FILE: configFile };
    await createReachesKubernetes(c, env, [], () => account.accessKeyId);
  });

  it('--profile wins over static keys in the environment, for the AWS calls and the token alike', async () => {
    const c = await newCase();
    writeFileSync(join(c.home, '.aws/credentials'), ini({ dev: staticKeys() }));
    // Keys moto would put in another account, and the Kubernetes server does not know.
    const env = { ...c.env, AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'AKIAENVIRONMENTKEYS0', AWS_SECRET_ACCESS_KEY: 'not-the-profile' };
    const run = await createReachesKubernetes(c, env, ['--profile', 'dev'], () => account.accessKeyId);
    // The choice is deliberate: no SDK warning that AWS_PROFILE and env keys are both set.
    expect(run.stderr).not.toContain('Multiple credential sources');
  });

  it('the default profile of ~/.aws/credentials, with the region of ~/.aws/config', async () => {
    const c = await newCase();
    writeFileSync(join(c.home, '.aws/credentials'), ini({ default: staticKeys() }));
    writeFileSync(join(c.home, '.aws/config'), ini({ default: { region: REGION } }));
    await createReachesKubernetes(c, c.env, [], () => account.accessKeyId);
  });

  it("the --profile profile's endpoint_url is used when no AWS_ENDPOINT_URL is set (not the default profile's)", async () => {
    const c = await newCase();
    writeFileSync(join(c.home, '.aws/credentials'), ini({ dev: staticKeys() }));
    // Nothing listens on port 9: had the SDK taken the default profile's endpoint (as it does for AWS_PROFILE's), the run fails.
    writeFileSync(
      join(c.home, '.aws/config'),
      ini({ default: { endpoint_url: 'http://127.0.0.1:9' }, 'profile dev': { region: REGION, endpoint_url: sandbox.proxyUrl } }),
    );
    const { AWS_ENDPOINT_URL: _unset, AWS_ENDPOINT_URL_STS: _unsetToo, ...env } = c.env;
    await createReachesKubernetes(c, env, ['--profile', 'dev'], () => account.accessKeyId);
  });

  it('a profile that does not exist is named with the files looked in, before any AWS request (exit 2)', async () => {
    const c = await newCase();
    writeFileSync(join(c.home, '.aws/credentials'), ini({ dev: staticKeys() }));
    sandbox.proxy.resetLog();
    const byFlag = await runBinary([...createArgs(c), '--profile', 'prod'], c.env);
    expect(byFlag.code).toBe(2);
    expect(byFlag.stderr).toContain(`profile "prod" (from --profile) is not in ${join(c.home, '.aws/config')} or ${join(c.home, '.aws/credentials')}`);
    const byEnv = await runBinary(['get', 'iamserviceaccount', '--cluster', c.cluster.cluster], { ...c.env, AWS_PROFILE: 'prod' });
    expect(byEnv.code).toBe(2);
    expect(byEnv.stderr).toContain('profile "prod" (from AWS_PROFILE) is not in');
    expect(byEnv.stderr).not.toMatch(/no AWS region|could not load credentials/i);
    expect(sandbox.proxy.requests).toEqual([]);
  });
});

describe('credentials from other processes and services', () => {
  it('an assume-role profile (role_arn + source_profile) through moto STS: the assumed keys sign the AWS calls and the token', async () => {
    const c = await withAssumeRoleProfile(await newCase());
    const before = tap.issued.length;
    await createReachesKubernetes(c, c.env, ['--profile', 'deployer'], () => {
      const issued = tap.issued.slice(before);
      // One AssumeRole for the whole run: the clients and the token share one provider.
      expect(issued.map((i) => i.action)).toEqual(['AssumeRole']);
      return issued[0].accessKeyId;
    });
  });

  it('an assume-role profile for the pod identity commands: EKS, CloudFormation and the Kubernetes token all use the assumed keys', async () => {
    const c = await withAssumeRoleProfile(await newCase());
    const before = tap.issued.length;
    const args = ['--cluster', c.cluster.cluster, '--namespace', 'apps', '--service-account-name', 'web', '--profile', 'deployer'];
    const created = await runBinary(['create', 'podidentityassociation', ...args, '--permission-policy-arns', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', '--create-service-account', '--approve'], c.env);
    expect(created.code, created.stderr).toBe(0);
    const issued = tap.issued.slice(before);
    expect(issued.map((i) => i.action)).toEqual(['AssumeRole']);
    const assumedKey = issued[0].accessKeyId;
    // the association exists in EKS, and the ServiceAccount was made with a token the assumed keys signed
    const assoc = sandbox.proxy.eks.associations({ accountId: account.accountId, region: REGION, name: c.cluster.cluster });
    expect(assoc.map((a) => `${a.namespace}/${a.serviceAccount}`)).toEqual(['apps/web']);
    expect(c.cluster.kube.getServiceAccount('apps', 'web')).toBeDefined();
    expect([...new Set(c.cluster.kube.requests.map((r) => r.accessKeyId))]).toEqual([assumedKey]);
    // get and delete through the same profile
    const got = await runBinary(['get', 'podidentityassociation', '--cluster', c.cluster.cluster, '--profile', 'deployer', '-o', 'json'], c.env);
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toContain(assoc[0].associationId);
    const deleted = await runBinary(['delete', 'podidentityassociation', ...args, '--wait'], c.env);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(sandbox.proxy.eks.associations({ accountId: account.accountId, region: REGION, name: c.cluster.cluster })).toEqual([]);
  });

  it('credential_process', async () => {
    const c = await newCase();
    const script = join(c.home, 'print-credentials.cjs');
    writeFileSync(
      script,
      `process.stdout.write(JSON.stringify(${JSON.stringify({ Version: 1, AccessKeyId: account.accessKeyId, SecretAccessKey: account.secretAccessKey })}));\n`,
    );
    chmodSync(script, 0o755);
    writeFileSync(join(c.home, '.aws/config'), ini({ 'profile proc': { credential_process: `${process.execPath} ${script}`, region: REGION } }));
    await createReachesKubernetes(c, { ...c.env, AWS_PROFILE: 'proc' }, [], () => account.accessKeyId);
  });

  it('web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE) through moto STS', async () => {
    const c = await newCase();
    const tokenFile = join(c.home, 'web-identity-token');
    // moto does not check the token's signature; the SDK only reads and sends it.
    writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2k6ZGVwbG95In0.c2lnbmF0dXJl');
    const env = {
      ...c.env,
      AWS_REGION: REGION,
      AWS_ROLE_ARN: `arn:aws:iam::${account.accountId}:role/ci-deployer`,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_SESSION_NAME: 'ci',
    };
    const before = tap.issued.length;
    await createReachesKubernetes(c, env, [], () => {
      const issued = tap.issued.slice(before);
      expect(issued.map((i) => i.action)).toEqual(['AssumeRoleWithWebIdentity']);
      return issued[0].accessKeyId;
    });
  });

  it('a container-credentials endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN)', async () => {
    const c = await newCase();
    const endpoint = await startContainerCredentialsServer({
      accessKeyId: account.accessKeyId,
      secretAccessKey: account.secretAccessKey,
      sessionToken: 'container-session',
      expiration: new Date(Date.now() + 60 * 60_000),
    });
    try {
      const env = { ...c.env, AWS_REGION: REGION, AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: endpoint.authorizationToken };
      await createReachesKubernetes(c, env, [], () => account.accessKeyId);
      expect(endpoint.refused).toBe(0);
      // Credentials valid for an hour are fetched once for the clients and the token together.
      expect(endpoint.served).toEqual([account.accessKeyId]);
    } finally {
      await endpoint.stop();
    }
  });
});

describe('retries', () => {
  it("AWS_MAX_ATTEMPTS is the user's: DescribeCluster answered 500 every time is sent exactly that often", async () => {
    const c = await newCase();
    sandbox.proxy.resetLog();
    sandbox.proxy.setFaultInjector(({ action }) =>
      action === 'DescribeCluster' ? { status: 500, body: '{"message":"injected"}', headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ServiceException' } } : 'pass',
    );
    try {
      const env = { ...c.env, ...sandbox.cliEnv(account, REGION), AWS_MAX_ATTEMPTS: '3' };
      const run = await runBinary(['get', 'iamserviceaccount', '--cluster', c.cluster.cluster], env);
      expect(run.code, run.stderr).toBe(1);
      expect(sandbox.proxy.count('eks', 'DescribeCluster')).toBe(3);
    } finally {
      sandbox.proxy.setFaultInjector(undefined);
    }
  });
});

/** An SSO profile `sso` and what `aws sso login` leaves behind for it (no sso_session): the cache file named by the start URL. */
function writeSsoProfile(c: Case, startUrl: string, accessToken: string): void {
  writeFileSync(
    join(c.home, '.aws/config'),
    ini({ 'profile sso': { sso_start_url: startUrl, sso_region: 'us-east-1', sso_account_id: account.accountId, sso_role_name: 'Deployer', region: REGION } }),
  );
  mkdirSync(join(c.home, '.aws/sso/cache'), { recursive: true });
  writeFileSync(
    join(c.home, '.aws/sso/cache', `${createHash('sha1').update(startUrl).digest('hex')}.json`),
    JSON.stringify({ startUrl, region: 'us-east-1', accessToken, expiresAt: new Date(Date.now() + 8 * 60 * 60_000).toISOString() }),
  );
}

describe('credential sources moto cannot serve, played by local fakes', () => {
  it('an SSO profile with a cached `aws sso login` token (a fake SSO portal: moto has none)', async () => {
    const c = await newCase();
    const startUrl = 'https://irsactl-test.awsapps.com/start';
    const accessToken = `sso-access-${Math.random().toString(36).slice(2)}`;
    const portal = await startSsoPortal(account, accessToken);
    try {
      writeSsoProfile(c, startUrl, accessToken);
      await createReachesKubernetes(c, { ...c.env, AWS_ENDPOINT_URL_SSO: portal.url }, ['--profile', 'sso'], () => account.accessKeyId);
      expect(portal.requests).toEqual([`GET /federation/credentials?account_id=${account.accountId}&role_name=Deployer`]);
    } finally {
      await portal.stop();
    }
  });

  it('the SSO portal call goes through HTTP_PROXY like every other request (a portal only the forward proxy can resolve)', async () => {
    const c = await newCase();
    const startUrl = 'https://irsactl-proxied.awsapps.com/start';
    const accessToken = `sso-access-${Math.random().toString(36).slice(2)}`;
    const portal = await startSsoPortal(account, accessToken);
    // portal.sandbox.test resolves nowhere but in this proxy: a run that gets SSO credentials sent that call through it.
    const fwd = await startForwardProxy({ hosts: { 'portal.sandbox.test': Number(new URL(portal.url).port) } });
    try {
      writeSsoProfile(c, startUrl, accessToken);
      const env = { ...c.env, AWS_ENDPOINT_URL_SSO: 'http://portal.sandbox.test', HTTP_PROXY: fwd.url, NO_PROXY: '127.0.0.1,localhost' };
      await createReachesKubernetes(c, env, ['--profile', 'sso'], () => account.accessKeyId);
      expect(portal.requests).toEqual([`GET /federation/credentials?account_id=${account.accountId}&role_name=Deployer`]);
      expect(fwd.log.filter((l) => l.target === 'portal.sandbox.test:80' && l.routed), JSON.stringify(fwd.log)).toHaveLength(1);
    } finally {
      await fwd.stop();
      await portal.stop();
    }
  });

  it('EC2 instance metadata, IMDSv2 (a fake IMDS on loopback via AWS_EC2_METADATA_SERVICE_ENDPOINT)', async () => {
    const c = await newCase();
    const imds = await startInstanceMetadata(account, 'node-role');
    try {
      const { AWS_EC2_METADATA_DISABLED: _enabled, ...env } = c.env;
      await createReachesKubernetes(c, { ...env, AWS_REGION: REGION, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url }, [], () => account.accessKeyId);
      expect(imds.requests.slice(0, 3)).toEqual([
        'PUT /latest/api/token',
        'GET /latest/meta-data/iam/security-credentials/',
        'GET /latest/meta-data/iam/security-credentials/node-role',
      ]);
    } finally {
      await imds.stop();
    }
  });
});

describe('credentials that expire during a run', () => {
  it('re-signs the EKS token with the new keys once the old ones are refused', async () => {
    const c = await newCase();
    const rotated = await createMotoAccessKey(motoUrl(), account);
    const endpoint = await startContainerCredentialsServer({
      accessKeyId: account.accessKeyId,
      secretAccessKey: account.secretAccessKey,
      sessionToken: 'about-to-expire',
      // Less than the token's 1-minute refresh margin left: a token signed with them must not be kept.
      expiration: new Date(Date.now() + 30_000),
    });
    c.cluster.kube.addCredential(rotated.accessKeyId, rotated.secretAccessKey);
    // Rotate between planning (which lists ServiceAccounts with a token of the old keys) and the ServiceAccount
    // writes after the stack: the first CreateStack is that moment. The proxy's fault hook only observes here.
    let rotatedAt = -1;
    sandbox.proxy.setFaultInjector(({ action }) => {
      if (action === 'CreateStack' && rotatedAt < 0) {
        rotatedAt = c.cluster.kube.requests.length;
        c.cluster.kube.removeCredential(account.accessKeyId);
        endpoint.serve({ ...rotated, sessionToken: 'fresh', expiration: new Date(Date.now() + 60 * 60_000) });
      }
      return 'pass';
    });
    try {
      const env = { ...c.env, AWS_REGION: REGION, AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint.url, AWS_CONTAINER_AUTHORIZATION_TOKEN: endpoint.authorizationToken };
      const run = await runBinary(createArgs(c), env);
      expect(run.code, run.stderr).toBe(0);
      expect(rotatedAt).toBeGreaterThan(0);
      const requests = c.cluster.kube.requests;
      expect(requests.filter((r) => r.status === 401)).toEqual([]);
      // Before the rotation the old keys signed; after it, only the new ones, including the ServiceAccount write.
      expect(new Set(requests.slice(0, rotatedAt).map((r) => r.accessKeyId))).toEqual(new Set([account.accessKeyId]));
      const after = requests.slice(rotatedAt);
      expect(after.some((r) => r.method === 'POST' && r.path.endsWith('/serviceaccounts'))).toBe(true);
      expect(new Set(after.map((r) => r.accessKeyId))).toEqual(new Set([rotated.accessKeyId]));
      expect(endpoint.served).toContain(rotated.accessKeyId);
      // The server really refuses the old keys now: keeping a token of them would have failed the run.
      const stale = await eksToken({ clusterName: c.cluster.cluster, region: REGION, credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey } });
      expect(await kubeStatus(c.cluster, stale.token)).toBe(401);
    } finally {
      sandbox.proxy.setFaultInjector(undefined);
      await endpoint.stop();
    }
  });
});
