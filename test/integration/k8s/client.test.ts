import { readdir, readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eksToken } from '../../../src/aws/eks-token.js';
import { IrsaError } from '../../../src/errors.js';
import { connectKube } from '../../../src/k8s/client.js';
import type { KubeConnection, KubePort } from '../../../src/k8s/ports.js';
import { startKubeServer, type KubeTestServer } from '../../../sandbox/kube/server.js';
import { makeFreshTestTls } from '../../../sandbox/tls.js';

const CLUSTER = 'client-test';
const KEY = 'AKIDCLIENTTEST';
const SECRET = 'client-test-secret';

let server: KubeTestServer;
let kube: KubePort;
let credentialCalls = 0;
const seen: string[] = [];

function eksConn(overrides: Partial<Extract<KubeConnection, { kind: 'eks' }>> = {}): KubeConnection {
  return {
    kind: 'eks',
    clusterName: CLUSTER,
    endpoint: server.url,
    caData: server.caData,
    region: 'us-west-2',
    credentials: async () => {
      credentialCalls++;
      return { accessKeyId: KEY, secretAccessKey: SECRET };
    },
    ...overrides,
  };
}

async function rejection(p: Promise<unknown>): Promise<IrsaError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(IrsaError);
    return err as IrsaError;
  }
  throw new Error('expected a rejection');
}

/** A pod as the EKS pod-identity webhook leaves it. */
const irsaPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-7d4b9c-abcde', namespace: 'team-a', labels: { app: 'web' } },
  spec: {
    serviceAccountName: 'app',
    securityContext: { fsGroup: 65534, runAsUser: 1000, runAsNonRoot: true },
    containers: [
      {
        name: 'web',
        image: 'public.ecr.aws/nginx/nginx:1.27',
        securityContext: { runAsUser: 1001, runAsNonRoot: true },
        env: [
          { name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' },
          { name: 'AWS_DEFAULT_REGION', value: 'us-west-2' },
          { name: 'AWS_REGION', value: 'us-west-2' },
          { name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::111122223333:role/app' },
          { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' },
          { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        ],
        volumeMounts: [
          { name: 'kube-api-access-x1', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
          { name: 'aws-iam-token', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount', readOnly: true },
        ],
      },
      { name: 'sidecar', image: 'busybox' },
    ],
    volumes: [
      {
        name: 'aws-iam-token',
        projected: {
          defaultMode: 420,
          sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }],
        },
      },
      {
        name: 'kube-api-access-x1',
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
          ],
        },
      },
    ],
  },
};

beforeAll(async () => {
  server = await startKubeServer({ clusterName: CLUSTER, credentials: { [KEY]: SECRET } });
  kube = await connectKube(eksConn(), { onRequest: (method, path) => seen.push(`${method} ${path}`) });
});
afterAll(async () => {
  await server?.stop();
});
beforeEach(() => {
  server.setFaultInjector(undefined);
});

describe('connectKube (EKS mode) against the fake API server', () => {
  it('namespaces: exists, create (idempotent), phase', async () => {
    expect(await kube.namespaceExists('default')).toBe(true);
    expect(await kube.namespaceExists('team-a')).toBe(false);
    await kube.createNamespace('team-a');
    await kube.createNamespace('team-a'); // AlreadyExists is success
    expect(await kube.namespaceExists('team-a')).toBe(true);
    expect(await kube.namespaceExists('kube-system')).toBe(true);
    expect(await kube.namespacePhase('team-a')).toBe('Active');
  });

  it('service accounts: create, get, list, and 404 → undefined', async () => {
    const created = await kube.createServiceAccount({
      name: 'app',
      namespace: 'team-a',
      labels: { 'app.kubernetes.io/managed-by': 'eksctl' },
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' },
    });
    expect(created.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.resourceVersion).toBeDefined();
    expect(await kube.getServiceAccount('team-a', 'app')).toEqual(created);
    expect(await kube.getServiceAccount('team-a', 'missing')).toBeUndefined();
    expect(await kube.getServiceAccount('no-such-ns', 'app')).toBeUndefined();

    const inNs = await kube.listServiceAccounts('team-a');
    expect(inNs.map((s) => s.name).sort()).toEqual(['app', 'default']);
    const all = await kube.listServiceAccounts();
    expect(all.map((s) => `${s.namespace}/${s.name}`)).toEqual(expect.arrayContaining(['default/default', 'team-a/app']));
    expect(all.find((s) => s.name === 'default')?.labels).toEqual({});
  });

  it('create maps AlreadyExists to a 409 IrsaError and a missing namespace to 404', async () => {
    const dup = await rejection(kube.createServiceAccount({ name: 'app', namespace: 'team-a', labels: {}, annotations: {} }));
    expect(dup.code).toBe('KUBERNETES');
    expect(dup.httpStatus).toBe(409);
    expect(dup.message).toContain('serviceaccounts "app" already exists');
    const noNs = await rejection(kube.createServiceAccount({ name: 'app', namespace: 'ghost', labels: {}, annotations: {} }));
    expect(noNs.httpStatus).toBe(404);
    expect(noNs.message).toContain('namespaces "ghost" not found');
  });

  it('replace sets labels and annotations, keeps unmodelled fields, and 409s on a stale resourceVersion', async () => {
    server.putServiceAccount({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'puller', namespace: 'team-a', labels: { keep: 'no' }, annotations: { old: '1' } },
      imagePullSecrets: [{ name: 'regcred' }],
      automountServiceAccountToken: false,
    });
    const current = await kube.getServiceAccount('team-a', 'puller');
    expect(current).toBeDefined();
    const updated = await kube.patchServiceAccountMetadata({
      ...current!,
      labels: { 'app.kubernetes.io/managed-by': 'eksctl' },
      annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/puller' },
    });
    expect(updated.labels).toEqual({ 'app.kubernetes.io/managed-by': 'eksctl' });
    expect(updated.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/puller' });
    expect(updated.resourceVersion).not.toBe(current!.resourceVersion);
    const stored = server.getServiceAccount('team-a', 'puller')!;
    expect(stored.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(stored.automountServiceAccountToken).toBe(false);

    const stale = await rejection(kube.patchServiceAccountMetadata({ ...current!, annotations: { x: 'y' } }));
    expect(stale.code).toBe('KUBERNETES');
    expect(stale.httpStatus).toBe(409);
    expect(stale.message).toContain('the object has been modified');

    // emptying the maps removes them on the server, as the real one omits empty maps
    await kube.patchServiceAccountMetadata({ ...updated, labels: {}, annotations: {} });
    expect((server.getServiceAccount('team-a', 'puller')!.metadata as Record<string, unknown>).labels).toBeUndefined();
  });

  it('delete removes, and a missing one is success', async () => {
    await kube.deleteServiceAccount('team-a', 'puller');
    expect(server.getServiceAccount('team-a', 'puller')).toBeUndefined();
    await kube.deleteServiceAccount('team-a', 'puller');
    await kube.deleteServiceAccount('ghost', 'puller');
  });

  it('listPods maps env, projected token audience and security contexts', async () => {
    server.putPod(irsaPod);
    server.putPod({ metadata: { name: 'plain', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const pods = await kube.listPods('team-a');
    expect(pods).toHaveLength(1);
    const [pod] = pods;
    expect(pod).toMatchObject({
      name: 'web-7d4b9c-abcde',
      namespace: 'team-a',
      serviceAccountName: 'app',
      fsGroup: 65534,
      runAsUser: 1000,
      runAsNonRoot: true,
    });
    expect(pod.volumes).toEqual([
      { name: 'aws-iam-token', projectedServiceAccountTokenAudience: 'sts.amazonaws.com' },
      { name: 'kube-api-access-x1' },
    ]);
    expect(pod.containers[0]).toEqual({
      name: 'web',
      env: {
        AWS_STS_REGIONAL_ENDPOINTS: 'regional',
        AWS_DEFAULT_REGION: 'us-west-2',
        AWS_REGION: 'us-west-2',
        AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/app',
        AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token',
        POD_IP: '',
      },
      runAsUser: 1001,
      runAsNonRoot: true,
    });
    expect(pod.containers[1]).toEqual({ name: 'sidecar', env: {} });
    const all = await kube.listPods();
    expect(all.map((p) => `${p.namespace}/${p.name}`).sort()).toEqual(['default/plain', 'team-a/web-7d4b9c-abcde']);
    expect(all.find((p) => p.name === 'plain')?.serviceAccountName).toBe('default');
    server.deletePod('default', 'plain');
    expect((await kube.listPods()).map((p) => p.name)).toEqual(['web-7d4b9c-abcde']);
  });

  it('createToken returns a JWT for the audience, and 404s for a missing ServiceAccount', async () => {
    server.setIssuer('https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE');
    const jwt = await kube.createToken('team-a', 'app', 'sts.amazonaws.com', 3600);
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({
      iss: 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
      sub: 'system:serviceaccount:team-a:app',
      aud: ['sts.amazonaws.com'],
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
    const missing = await rejection(kube.createToken('team-a', 'ghost', 'sts.amazonaws.com'));
    expect(missing.httpStatus).toBe(404);
  });

  it('reports each request through onRequest', () => {
    expect(seen).toContain('GET /api/v1/namespaces/default');
    expect(seen).toContain('POST /api/v1/namespaces/team-a/serviceaccounts');
    expect(seen).toContain('PATCH /api/v1/namespaces/team-a/serviceaccounts/puller');
    expect(seen).toContain('POST /api/v1/namespaces/team-a/serviceaccounts/app/token');
  });
});

describe('connectKube error mapping', () => {
  it('a 403 names the verb, resource and namespace RBAC needs', async () => {
    server.setFaultInjector(({ method, path }) =>
      method === 'GET' && path.startsWith('/api/v1/namespaces/team-a/serviceaccounts/')
        ? { status: 403, message: 'serviceaccounts "app" is forbidden: User "arn:aws:iam::111122223333:user/ci" cannot get resource "serviceaccounts"' }
        : 'pass',
    );
    const err = await rejection(kube.getServiceAccount('team-a', 'app'));
    expect(err.code).toBe('KUBERNETES');
    expect(err.httpStatus).toBe(403);
    expect(err.message).toMatch(/^forbidden: get serviceaccounts in namespace team-a — the identity needs RBAC permission "get" on "serviceaccounts"/);
    // only GETs of a single ServiceAccount are faulted; a list passes
    expect((await kube.listServiceAccounts('team-a')).length).toBeGreaterThan(0);
  });

  it('a 500 keeps the server message and status', async () => {
    server.setFaultInjector(({ method }) => (method === 'DELETE' ? { status: 500, message: 'etcd is sad' } : 'pass'));
    const err = await rejection(kube.deleteServiceAccount('team-a', 'app'));
    expect(err.httpStatus).toBe(500);
    expect(err.message).toContain('delete serviceaccounts "app" in namespace team-a failed (HTTP 500): etcd is sad');
  });

  it('a 401 says the cluster did not accept the credentials, with the access-entry hint', async () => {
    const wrong = await connectKube(
      eksConn({ credentials: async () => ({ accessKeyId: KEY, secretAccessKey: 'not-the-secret' }) }),
    );
    const err = await rejection(wrong.listServiceAccounts());
    expect(err.httpStatus).toBe(401);
    expect(err.message).toContain(`the Kubernetes API at ${server.url} did not accept the credentials`);
    expect(err.hint).toMatch(/access entry.*aws-auth/);
  });

  it('a CA that did not sign the server certificate fails TLS with a clear message', async () => {
    const other = await makeFreshTestTls();
    const wrongCa = await connectKube(eksConn({ caData: Buffer.from(other.caPem).toString('base64') }));
    const err = await rejection(wrongCa.namespaceExists('default'));
    expect(err.code).toBe('KUBERNETES');
    expect(err.message).toContain(`TLS verification of the Kubernetes API at ${server.url} failed`);
    // skipTlsVerify is the explicit escape hatch
    const insecure = await connectKube(eksConn({ caData: Buffer.from(other.caPem).toString('base64'), skipTlsVerify: true }));
    expect(await insecure.namespaceExists('default')).toBe(true);
  });

  it('a closed port gives "cannot reach" naming the endpoint', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const dead = await connectKube(eksConn({ endpoint: `https://127.0.0.1:${port}` }));
    const err = await rejection(dead.listServiceAccounts());
    expect(err.message).toContain(`cannot reach the Kubernetes API at https://127.0.0.1:${port} (ECONNREFUSED)`);
  });

  it('a connection reset is reported, not hung on', async () => {
    server.setFaultInjector(() => 'reset');
    const err = await rejection(kube.listServiceAccounts());
    expect(err.code).toBe('KUBERNETES');
    expect(err.message).toContain(server.url);
  });

  it('rejects CA data that is not PEM before any request', async () => {
    const err = await rejection(connectKube(eksConn({ caData: Buffer.from('garbage').toString('base64') })));
    expect(err.message).toContain('not a base64-encoded PEM certificate');
  });
});

describe('EKS token refresh', () => {
  it('reuses the token until less than a minute of its 10 minutes is left, then regenerates once', async () => {
    // Start 9 minutes in the past so every token the clock produces is still within
    // the server's 15-minute acceptance window (and not too far in the future).
    const start = Date.now() - 9 * 60_000;
    let offset = 0;
    const clock = () => new Date(start + offset);
    credentialCalls = 0;
    server.resetLog();
    const port = await connectKube(eksConn(), { now: clock });
    await Promise.all([port.namespaceExists('default'), port.listServiceAccounts(), port.listServiceAccounts('default')]);
    expect(credentialCalls).toBe(1); // concurrent first requests share one token
    offset = 8.5 * 60_000;
    await port.namespaceExists('default');
    expect(credentialCalls).toBe(1);
    offset = 9.5 * 60_000;
    await port.namespaceExists('default');
    expect(credentialCalls).toBe(2);
    await port.namespaceExists('default');
    expect(credentialCalls).toBe(2);
    // every token, the regenerated one included, was accepted by the server
    expect(server.requests.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });
});

describe('connectKube (kubeconfig mode)', () => {
  let dir: string;
  let path: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'irsactl-kubeconfig-'));
    path = join(dir, 'config');
    const good = await eksToken({ clusterName: CLUSTER, region: 'us-west-2', credentials: { accessKeyId: KEY, secretAccessKey: SECRET } });
    const bad = await eksToken({ clusterName: 'elsewhere', region: 'us-west-2', credentials: { accessKeyId: KEY, secretAccessKey: SECRET } });
    await writeFile(join(dir, 'ca.pem'), server.caPem);
    await writeFile(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake`,
        `  cluster: {server: "${server.url}", certificate-authority: ca.pem}`,
        'users:',
        `- name: good`,
        `  user: {token: "${good.token}"}`,
        `- name: bad`,
        `  user: {token: "${bad.token}"}`,
        'contexts:',
        '- name: admin@fake',
        '  context: {cluster: fake, user: good}',
        '- name: stranger@fake',
        '  context: {cluster: fake, user: bad}',
        'current-context: stranger@fake',
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('uses the named context (relative CA path resolved against the file)', async () => {
    const port = await connectKube({ kind: 'kubeconfig', path, context: 'admin@fake' });
    expect(await port.namespaceExists('kube-system')).toBe(true);
  });

  it('uses the current context when none is named', async () => {
    const port = await connectKube({ kind: 'kubeconfig', path });
    const err = await rejection(port.listServiceAccounts());
    expect(err.httpStatus).toBe(401);
    expect(err.hint).toContain('kubeconfig');
  });

  it('an unknown context is a usage error listing the known ones', async () => {
    const err = await rejection(connectKube({ kind: 'kubeconfig', path, context: 'prod' }));
    expect(err.code).toBe('USAGE');
    expect(err.message).toContain('context "prod" not found');
    expect(err.message).toContain('admin@fake, stranger@fake');
  });

  it('a missing kubeconfig file is a config error', async () => {
    const err = await rejection(connectKube({ kind: 'kubeconfig', path: join(dir, 'nope') }));
    expect(err.code).toBe('CONFIG');
  });
});

describe('start-up cost', () => {
  it('loads @kubernetes/client-node once, through one dynamic import of client-node.ts (its named re-exports) in connect.ts; elsewhere only its types', async () => {
    const dir = new URL('../../../src/k8s/', import.meta.url);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.ts'));
    const dynamic: string[] = [];
    for (const file of files) {
      const source = await readFile(new URL(file, dir), 'utf8');
      const staticImports = source.split('\n').filter((l) => /^import\s.*['"](@kubernetes\/client-node|\.\/client-node\.js)['"]/.test(l));
      expect(staticImports.every((l) => /^import type\s/.test(l)), file).toBe(true);
      for (const _ of source.matchAll(/(?<!typeof )import\(\s*['"](@kubernetes\/client-node|\.\/client-node\.js)['"]\s*\)/g)) dynamic.push(file);
    }
    expect(dynamic).toEqual(['connect.ts']);
    // client-node.ts itself only re-exports names (export … from): the bundler then keeps just what they need
    const reexports = await readFile(new URL('client-node.ts', dir), 'utf8');
    expect(reexports).not.toMatch(/^import\s(?!type)/m);
  });
});
