import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer as createHttpsServer } from 'node:https';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startForwardProxy, type ForwardProxy } from '../../../sandbox/forward-proxy.js';
import { listenOnLoopback } from '../../../sandbox/listen.js';
import { makeTestTls } from '../../../sandbox/tls.js';
import type { SandboxCluster } from '../../../sandbox/index.js';
import { startE2E, type E2E } from '../../support/cli.js';
import { ensureBuilt, runBin } from '../../support/bin.js';

/**
 * Proxies and custom CAs (issue 11 item 2), through the built binary. The CLI is pointed at http://aws.sandbox.test
 * and its clusters' Kubernetes APIs at https://<cluster>.sandbox.test, names only the forward proxy resolves (to the
 * sandbox's AWS proxy and Kubernetes test servers): a run that succeeds sent every request through the proxy. Without
 * the proxy settings (as on main before this change) every run fails with ENOTFOUND.
 */

const REGION = 'eu-north-1';
const AWS_HOST = 'aws.sandbox.test';
let e: E2E;
let fwd: ForwardProxy;
let dir: string;
const tlsFront: { port?: number; close?: () => Promise<void> } = {};

beforeAll(async () => {
  ensureBuilt();
  e = await startE2E('px-0', REGION);
  fwd = await startForwardProxy({ hosts: { [AWS_HOST]: Number(new URL(e.sandbox.proxyUrl).port) } });
  dir = mkdtempSync(join(tmpdir(), 'irsactl-proxy-'));
  await e.associate();
  // An HTTPS front for the sandbox's AWS proxy, with a certificate from the test CA: for AWS_CA_BUNDLE.
  const tls = await makeTestTls();
  const upstream = new URL(e.sandbox.proxyUrl);
  const server = createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const up = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  Object.assign(tlsFront, await listenOnLoopback(server, 'secureConnection'));
  writeFileSync(join(dir, 'ca.pem'), tls.caPem);
}, 60_000);
afterAll(async () => {
  await tlsFront.close?.();
  await fwd?.stop();
  await e?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A new cluster with its own issuer's OIDC provider (associated directly, not through the proxy). */
async function associatedCluster(name: string, region = REGION): Promise<SandboxCluster> {
  const sc = await e.sandbox.createCluster(e.account, name, region);
  const r = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', name, '--region', region, '--approve']);
  if (r.code !== 0) throw new Error(`associate ${name} failed: ${r.stderr}`);
  return sc;
}

/** A cluster whose DescribeCluster hands out https://<name>.sandbox.test, which the forward proxy maps to its API. */
async function proxiedCluster(name: string): Promise<SandboxCluster> {
  const sc = await associatedCluster(name);
  const host = `${name}.sandbox.test`;
  fwd.map(host, Number(new URL(sc.kube.url).port));
  e.sandbox.proxy.registerCluster(name, { endpoint: `https://${host}`, caData: sc.kube.caData });
  return sc;
}

const createArgs = (cluster: string, name: string) => [
  'create', 'iamserviceaccount', '--cluster', cluster, '--namespace', 'default', '--name', name,
  '--attach-policy-arn', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', '--approve',
];

describe('HTTPS_PROXY / HTTP_PROXY', () => {
  it.each([
    ['upper case', { HTTPS_PROXY: 'PROXY', HTTP_PROXY: 'PROXY' }],
    ['lower case', { https_proxy: 'PROXY', http_proxy: 'PROXY' }],
  ])('%s: every AWS and Kubernetes request of a create goes through the proxy', async (label, vars) => {
    const name = label === 'upper case' ? 'px-up' : 'px-low';
    const sc = await proxiedCluster(name);
    const proxyEnv = Object.fromEntries(Object.entries(vars).map(([k]) => [k, fwd.url]));
    fwd.resetLog();
    e.sandbox.proxy.resetLog();
    const r = await runBin(createArgs(name, 's3-reader'), { ...e.env, AWS_ENDPOINT_URL: `http://${AWS_HOST}`, ...proxyEnv });
    expect(r.code, r.stderr).toBe(0);
    // hpagent tunnels plain-HTTP targets with CONNECT too
    expect(fwd.count(AWS_HOST, 'CONNECT')).toBeGreaterThan(0);
    expect(fwd.count(`${name}.sandbox.test`, 'CONNECT')).toBeGreaterThan(0);
    expect(fwd.log.every((entry) => entry.routed)).toBe(true);
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(1);
    const sa = sc.kube.getServiceAccount('default', 's3-reader') as { metadata?: { annotations?: Record<string, string> } } | undefined;
    expect(sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::\d{12}:role\//);
  }, 30_000);

  it("an assume-role profile's AssumeRole goes through the proxy too", async () => {
    const config = join(dir, 'assume-config');
    const credentials = join(dir, 'assume-credentials');
    writeFileSync(credentials, `[base]\naws_access_key_id = ${e.account.accessKeyId}\naws_secret_access_key = ${e.account.secretAccessKey}\n`);
    writeFileSync(config, `[profile deployer]\nrole_arn = arn:aws:iam::${e.account.accountId}:role/deployer\nsource_profile = base\nregion = ${REGION}\n`);
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...withoutKeys } = e.env;
    fwd.resetLog();
    e.sandbox.proxy.resetLog();
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'px-0', '--profile', 'deployer'], {
      ...withoutKeys,
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: credentials,
      AWS_ENDPOINT_URL: `http://${AWS_HOST}`,
      HTTP_PROXY: fwd.url,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(e.sandbox.proxy.count('sts', 'AssumeRole')).toBe(1);
    expect(fwd.log.every((entry) => entry.routed)).toBe(true);
  }, 30_000);

  it('without the proxy settings the same names do not resolve (the proof above is real)', async () => {
    await proxiedCluster('px-none');
    fwd.resetLog();
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'px-none'], { ...e.env, AWS_ENDPOINT_URL: `http://${AWS_HOST}`, AWS_MAX_ATTEMPTS: '1' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`ENOTFOUND ${AWS_HOST}`);
    expect(fwd.log).toHaveLength(0);
  }, 30_000);

  it('a proxy that needs a login gets it from user:password in the URL', async () => {
    const authed = await startForwardProxy({ hosts: { [AWS_HOST]: Number(new URL(e.sandbox.proxyUrl).port) }, credentials: 'alice:s3cret' });
    try {
      const base = { ...e.env, AWS_ENDPOINT_URL: `http://${AWS_HOST}`, AWS_MAX_ATTEMPTS: '1' };
      const denied = await runBin(['get', 'iamserviceaccount', '--cluster', 'px-0'], { ...base, HTTP_PROXY: authed.url });
      expect(denied.code, denied.stderr).toBe(1);
      expect(denied.stderr).toContain(`the proxy ${authed.url} could not connect to ${AWS_HOST}:80: asked for authentication (HTTP 407)`);
      const withLogin = authed.url.replace('http://', 'http://alice:s3cret@');
      const ok = await runBin(['get', 'iamserviceaccount', '--cluster', 'px-0'], { ...base, HTTP_PROXY: withLogin });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).not.toContain('s3cret');
    } finally {
      await authed.stop();
    }
  }, 30_000);

  it('a socks proxy is a usage error before any request', async () => {
    e.sandbox.proxy.resetLog();
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'px-0'], { ...e.env, HTTPS_PROXY: 'socks5://127.0.0.1:1080', HTTP_PROXY: 'socks5://127.0.0.1:1080' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('socks5 proxies are not supported');
    expect(e.sandbox.proxy.requests).toHaveLength(0);
  }, 30_000);
});

describe('the forward proxy itself', () => {
  it('forwards plain HTTP as the aws CLI sends it through HTTP_PROXY (absolute-form), so it is a proxy real clients use', async () => {
    fwd.resetLog();
    const { stdout } = await promisify(execFile)('aws', ['eks', 'describe-cluster', '--name', 'px-0', '--endpoint-url', `http://${AWS_HOST}`, '--output', 'json', '--region', REGION], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...e.env, AWS_ENDPOINT_URL: `http://${AWS_HOST}`, HTTP_PROXY: fwd.url, http_proxy: fwd.url },
    });
    expect((JSON.parse(stdout) as { cluster: { name: string } }).cluster.name).toBe('px-0');
    expect(fwd.log.some((entry) => entry.method === 'GET' && entry.target === `${AWS_HOST}:80` && entry.routed)).toBe(true);
  }, 30_000);
});

describe('the OIDC issuer thumbprint (associate)', () => {
  it('is fetched through HTTPS_PROXY', async () => {
    // a new cluster has its own issuer, with no provider yet
    const region = 'ap-south-1';
    const sc = await e.sandbox.createCluster(e.account, 'px-oidc', region);
    const issuerHost = new URL(sc.issuer).hostname;
    fwd.resetLog();
    const r = await runBin(['utils', 'associate-iam-oidc-provider', '--cluster', 'px-oidc', '--region', region, '--approve'], { ...e.env, HTTPS_PROXY: fwd.url });
    expect(r.code, r.stderr).toBe(0);
    expect(fwd.count(issuerHost, 'CONNECT')).toBe(1);
    // the proxy cannot resolve the real issuer here: the provider is made without a thumbprint, saying why
    expect(r.stderr).toContain(`the proxy ${fwd.url} could not connect to ${issuerHost}:443: refused the tunnel (HTTP 502)`);
  }, 30_000);
});

describe('NO_PROXY', () => {
  it('a host NO_PROXY names is reached directly, the others still through the proxy', async () => {
    const name = 'px-noproxy';
    await proxiedCluster(name);
    fwd.resetLog();
    const r = await runBin(createArgs(name, 'direct'), {
      ...e.env,
      AWS_ENDPOINT_URL: `http://${AWS_HOST}`,
      AWS_MAX_ATTEMPTS: '1',
      HTTPS_PROXY: fwd.url,
      HTTP_PROXY: fwd.url,
      NO_PROXY: `localhost,${name}.sandbox.test`,
    });
    // AWS went through the proxy (the plan needed DescribeCluster); Kubernetes went direct, where the name does not resolve
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`ENOTFOUND ${name}.sandbox.test`);
    expect(fwd.count(AWS_HOST)).toBeGreaterThan(0);
    expect(fwd.count(`${name}.sandbox.test`)).toBe(0);
  }, 30_000);

  it('a domain in no_proxy covers its subdomains (as kubectl and the aws CLI read it)', async () => {
    fwd.resetLog();
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'px-0'], {
      ...e.env,
      AWS_ENDPOINT_URL: `http://${AWS_HOST}`,
      AWS_MAX_ATTEMPTS: '1',
      http_proxy: fwd.url,
      no_proxy: 'sandbox.test',
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`ENOTFOUND ${AWS_HOST}`);
    expect(fwd.log).toHaveLength(0);
  }, 30_000);
});

describe('a kubeconfig cluster', () => {
  function kubeconfig(sc: SandboxCluster, server: string, proxyUrl?: string): string {
    const file = join(dir, `kubeconfig-${sc.cluster}-${proxyUrl ? 'p' : 'e'}`);
    const token = `k8s-aws-v1.unused`;
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: c\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${sc.kube.caData}${proxyUrl ? `\n    proxy-url: ${proxyUrl}` : ''}`,
        'users:',
        `- name: u\n  user:\n    token: ${token}`,
        'contexts:',
        '- name: ctx\n  context: {cluster: c, user: u}',
        'current-context: ctx',
        '',
      ].join('\n'),
    );
    return file;
  }

  it.each([['proxy-url'], ['HTTPS_PROXY']])('%s: Kubernetes requests go through the proxy', async (how) => {
    const name = how === 'proxy-url' ? 'px-kc-url' : 'px-kc-env';
    const sc = await associatedCluster(name);
    const host = `${name}.sandbox.test`;
    fwd.map(host, Number(new URL(sc.kube.url).port));
    const file = kubeconfig(sc, `https://${host}`, how === 'proxy-url' ? fwd.url : undefined);
    fwd.resetLog();
    const r = await runBin([...createArgs(name, 'kc-reader').filter((a) => a !== '--approve'), '--kubeconfig', file, '--skip-endpoint-check'], {
      ...e.env,
      ...(how === 'HTTPS_PROXY' ? { HTTPS_PROXY: fwd.url } : {}),
    });
    expect(fwd.count(host, 'CONNECT'), r.stderr).toBeGreaterThan(0);
    // --skip-endpoint-check: DescribeCluster names the server's loopback address, the kubeconfig the proxied name.
    // The test server checks EKS tokens and this kubeconfig's is none: its 401 is the proof the request reached it.
    expect(r.stderr).toContain(`the Kubernetes API at https://${host} did not accept the credentials (401 Unauthorized)`);
  }, 30_000);
});

describe('AWS_CA_BUNDLE and a profile\'s ca_bundle', () => {
  const front = () => `https://127.0.0.1:${tlsFront.port}`;

  it('an endpoint signed by a CA Node does not trust fails without them', async () => {
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'px-0'], { ...e.env, AWS_ENDPOINT_URL: front(), AWS_MAX_ATTEMPTS: '1' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/certificate/i);
  }, 30_000);

  it('AWS_CA_BUNDLE makes it trusted', async () => {
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'px-0'], { ...e.env, AWS_ENDPOINT_URL: front(), AWS_CA_BUNDLE: join(dir, 'ca.pem') });
    expect(r.code, r.stderr).toBe(0);
  }, 30_000);

  it("the profile's ca_bundle makes it trusted", async () => {
    const config = join(dir, 'aws-config');
    writeFileSync(config, `[default]\nca_bundle = ${join(dir, 'ca.pem')}\n`);
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'px-0'], { ...e.env, AWS_ENDPOINT_URL: front(), AWS_CONFIG_FILE: config });
    expect(r.code, r.stderr).toBe(0);
  }, 30_000);

  it('an unreadable AWS_CA_BUNDLE is a configuration error (exit 2) naming the file', async () => {
    const r = await runBin(['get', 'iamserviceaccount', '--cluster', 'px-0'], { ...e.env, AWS_ENDPOINT_URL: front(), AWS_CA_BUNDLE: join(dir, 'missing.pem') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`AWS_CA_BUNDLE: cannot read ${join(dir, 'missing.pem')}`);
  }, 30_000);
});
