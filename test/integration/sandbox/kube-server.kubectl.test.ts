/**
 * The fake API server driven by the real kubectl: proves the protocol with a client
 * nobody in this repository wrote.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eksToken } from '../../../src/aws/eks-token.js';
import { startKubeServer, type KubeTestServer } from '../../../sandbox/kube/server.js';

const KUBECTL = '/usr/bin/kubectl';
const KEY = 'AKIDKUBECTLTEST';
const SECRET = 'kubectl-test-secret';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let server: KubeTestServer;
let dir: string;
/** `<namespace>/<serviceaccount>` pairs the server's webhook is told have a Pod Identity association. */
const associated = new Set<string>();

async function writeKubeconfig(file: string, clusterName: string): Promise<void> {
  const { token } = await eksToken({ clusterName, region: 'us-west-2', credentials: { accessKeyId: KEY, secretAccessKey: SECRET } });
  await writeFile(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: server.url, 'certificate-authority': join(dir, 'ca.pem') } }],
      users: [{ name: 'eks', user: { token } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'eks' } }],
      'current-context': 'fake',
    }),
  );
}

function kubectl(args: string[], opts: { kubeconfig?: string; input?: string } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      ['--kubeconfig', opts.kubeconfig ?? join(dir, 'kubeconfig'), '--cache-dir', join(dir, 'cache'), '--request-timeout', '10s', ...args],
      { env: { PATH: process.env.PATH, HOME: dir }, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, { input });
  expect(r.stderr, `kubectl ${args.join(' ')}`).toBe('');
  expect(r.code).toBe(0);
  return r.stdout;
}

const sa = (ns: string, name: string) => server.getServiceAccount(ns, name) as { metadata: Record<string, unknown> } & Record<string, unknown>;

describe.skipIf(!existsSync(KUBECTL))('kube-server with the real kubectl', () => {
  beforeAll(async () => {
    server = await startKubeServer({
      clusterName: 'kubectl-e2e',
      credentials: { [KEY]: SECRET },
      webhook: { region: 'us-west-2', hasPodIdentityAssociation: (ns, name) => associated.has(`${ns}/${name}`) },
    });
    dir = await mkdtemp(join(tmpdir(), 'irsactl-kubectl-'));
    await writeFile(join(dir, 'ca.pem'), server.caPem);
    await writeKubeconfig(join(dir, 'kubeconfig'), 'kubectl-e2e');
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('creates a namespace and a service account, and reads it back as JSON', async () => {
    expect(await ok(['create', 'namespace', 'team-a'])).toContain('namespace/team-a created');
    expect(await ok(['create', 'serviceaccount', 'app', '-n', 'team-a'])).toContain('serviceaccount/app created');
    const got = JSON.parse(await ok(['get', 'sa', 'app', '-n', 'team-a', '-o', 'json'])) as { metadata: Record<string, string>; kind: string };
    expect(got.kind).toBe('ServiceAccount');
    expect(got.metadata.name).toBe('app');
    expect(got.metadata.namespace).toBe('team-a');
    expect(got.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(got.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // creating a namespace also creates its default ServiceAccount
    expect(server.getServiceAccount('team-a', 'default')).toBeDefined();
  });

  it('reports AlreadyExists and a missing namespace like the real server', async () => {
    const again = await kubectl(['create', 'sa', 'app', '-n', 'team-a']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('serviceaccounts "app" already exists');
    const missing = await kubectl(['create', 'sa', 'app', '-n', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('namespaces "nope" not found');
  });

  it('annotates and labels (merge patches)', async () => {
    await ok(['annotate', 'sa', 'app', '-n', 'team-a', 'eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/app']);
    await ok(['label', 'sa', 'app', '-n', 'team-a', 'app.kubernetes.io/managed-by=eksctl']);
    const stored = sa('team-a', 'app');
    expect(stored.metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/app' });
    expect(stored.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'eksctl' });
    // --overwrite is needed to change an existing value, and removing with key- drops the empty map
    const noOverwrite = await kubectl(['annotate', 'sa', 'app', '-n', 'team-a', 'eks.amazonaws.com/role-arn=x']);
    expect(noOverwrite.code).not.toBe(0);
    await ok(['label', 'sa', 'app', '-n', 'team-a', 'app.kubernetes.io/managed-by-']);
    expect(sa('team-a', 'app').metadata.labels).toBeUndefined();
  });

  it('patches with all three patch types', async () => {
    await ok(['patch', 'sa', 'app', '-n', 'team-a', '--type', 'merge', '-p', '{"metadata":{"annotations":{"team":"a"}}}']);
    expect(sa('team-a', 'app').metadata.annotations).toMatchObject({ team: 'a' });

    await ok(['patch', 'sa', 'app', '-n', 'team-a', '-p', '{"imagePullSecrets":[{"name":"regcred"}],"metadata":{"labels":{"tier":"web"}}}']);
    expect(sa('team-a', 'app').imagePullSecrets).toEqual([{ name: 'regcred' }]);
    expect(sa('team-a', 'app').metadata.labels).toEqual({ tier: 'web' });

    await ok([
      'patch', 'sa', 'app', '-n', 'team-a', '--type', 'json',
      '-p', '[{"op":"remove","path":"/metadata/annotations/team"},{"op":"replace","path":"/metadata/annotations/eks.amazonaws.com~1role-arn","value":"arn:aws:iam::111122223333:role/other"}]',
    ]);
    expect(sa('team-a', 'app').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/other' });

    const bad = await kubectl(['patch', 'sa', 'app', '-n', 'team-a', '--type', 'json', '-p', '[{"op":"remove","path":"/metadata/annotations/absent"}]']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('is invalid');
  });

  it('replaces with optimistic concurrency and keeps the resourceVersion on a no-op', async () => {
    const current = JSON.parse(await ok(['get', 'sa', 'app', '-n', 'team-a', '-o', 'json'])) as {
      metadata: { resourceVersion: string; annotations: Record<string, string> };
    };
    const rv = current.metadata.resourceVersion;
    current.metadata.annotations.replaced = 'yes';
    await ok(['replace', '-f', '-'], JSON.stringify(current));
    const after = sa('team-a', 'app');
    expect(after.metadata.annotations).toMatchObject({ replaced: 'yes' });
    expect(after.metadata.resourceVersion).not.toBe(rv);

    // the same stale body again: 409 Conflict
    const stale = await kubectl(['replace', '-f', '-'], { input: JSON.stringify(current) });
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('the object has been modified');

    // a no-op replace, keys in another order: resourceVersion unchanged
    const fresh = JSON.parse(await ok(['get', 'sa', 'app', '-n', 'team-a', '-o', 'json'])) as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(fresh).reverse());
    await ok(['replace', '-f', '-'], JSON.stringify(reordered));
    expect(sa('team-a', 'app').metadata.resourceVersion).toBe(after.metadata.resourceVersion);
  });

  it('applies (client-side): creates, then patches with last-applied-configuration', async () => {
    const manifest = (value: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'applied', namespace: 'team-a', annotations: { 'eks.amazonaws.com/role-arn': value } },
      });
    expect(await ok(['apply', '-f', '-'], manifest('arn:aws:iam::111122223333:role/one'))).toContain('serviceaccount/applied created');
    expect(await ok(['apply', '-f', '-'], manifest('arn:aws:iam::111122223333:role/two'))).toContain('serviceaccount/applied configured');
    const stored = sa('team-a', 'applied');
    expect((stored.metadata.annotations as Record<string, string>)['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::111122223333:role/two');
    expect(stored.metadata.annotations).toHaveProperty(['kubectl.kubernetes.io/last-applied-configuration']);
    expect(await ok(['apply', '-f', '-'], manifest('arn:aws:iam::111122223333:role/two'))).toContain('serviceaccount/applied unchanged');
  });

  it('lists across namespaces, and lists pods', async () => {
    server.putPod({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'team-a' },
      spec: { serviceAccountName: 'app', containers: [{ name: 'web', image: 'nginx' }] },
    });
    const all = JSON.parse(await ok(['get', 'sa', '-A', '-o', 'json'])) as { items: { metadata: { namespace: string; name: string } }[] };
    const names = all.items.map((i) => `${i.metadata.namespace}/${i.metadata.name}`);
    expect(names).toEqual(expect.arrayContaining(['default/default', 'kube-system/default', 'team-a/app', 'team-a/applied']));
    const table = await ok(['get', 'sa', '-n', 'team-a']);
    expect(table).toMatch(/^NAME\s+/);
    expect(table).toContain('applied');
    const pods = JSON.parse(await ok(['get', 'pods', '-A', '-o', 'json'])) as { items: { spec: { serviceAccountName: string } }[] };
    expect(pods.items.map((p) => p.spec.serviceAccountName)).toEqual(['app']);
  });

  it('issues a TokenRequest token for an existing ServiceAccount only', async () => {
    server.setIssuer('https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE');
    const jwt = (await ok(['create', 'token', 'app', '-n', 'team-a', '--audience', 'sts.amazonaws.com'])).trim();
    const parts = jwt.split('.');
    expect(parts).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({
      iss: 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE',
      sub: 'system:serviceaccount:team-a:app',
      aud: ['sts.amazonaws.com'],
    });
    expect(typeof claims.exp).toBe('number');
    const missing = await kubectl(['create', 'token', 'ghost', '-n', 'team-a']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('serviceaccounts "ghost" not found');
  });

  it("creates pods through EKS's webhook: Pod Identity for an associated ServiceAccount over its IRSA annotation, and pods made before keep theirs", async () => {
    await ok(['create', 'namespace', 'podid']);
    await ok(['create', 'sa', 'app', '-n', 'podid']);
    await ok(['annotate', 'sa', 'app', '-n', 'podid', 'eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/irsa-app']);
    const manifest = (name: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'podid' }, spec: { serviceAccountName: 'app', containers: [{ name: 'app', image: 'busybox' }] } });
    type PodJson = {
      metadata: { labels?: Record<string, string> };
      spec: { containers: { env?: { name: string; value: string }[]; volumeMounts?: unknown[] }[]; volumes?: unknown[] };
    };
    const envOf = (p: PodJson) => Object.fromEntries((p.spec.containers[0].env ?? []).map((e) => [e.name, e.value]));

    expect(await ok(['create', '-f', '-'], manifest('before'))).toContain('pod/before created');
    associated.add('podid/app');
    expect(await ok(['create', '-f', '-'], manifest('after'))).toContain('pod/after created');

    const before = JSON.parse(await ok(['get', 'pod', 'before', '-n', 'podid', '-o', 'json'])) as PodJson;
    expect(envOf(before)).toMatchObject({ AWS_ROLE_ARN: 'arn:aws:iam::111122223333:role/irsa-app', AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' });
    expect(envOf(before)).not.toHaveProperty('AWS_CONTAINER_CREDENTIALS_FULL_URI');
    expect(before.metadata.labels).toBeUndefined();

    const after = JSON.parse(await ok(['get', 'pod', 'after', '-n', 'podid', '-o', 'json'])) as PodJson;
    expect(envOf(after)).toEqual({
      AWS_STS_REGIONAL_ENDPOINTS: 'regional',
      AWS_DEFAULT_REGION: 'us-west-2',
      AWS_REGION: 'us-west-2',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.23/v1/credentials',
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token',
    });
    expect(after.metadata.labels).toEqual({ 'eks.amazonaws.com/pod-identity': 'enabled' });
    expect(after.spec.containers[0].volumeMounts).toEqual([{ name: 'eks-pod-identity-token', readOnly: true, mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount' }]);
    expect(after.spec.volumes).toEqual([
      { name: 'eks-pod-identity-token', projected: { sources: [{ serviceAccountToken: { audience: 'pods.eks.amazonaws.com', expirationSeconds: 86400, path: 'eks-pod-identity-token' } }] } },
    ]);
    // the label selects the Pod Identity pods, as a doctor would list them
    expect((await ok(['get', 'pods', '-n', 'podid', '-l', 'eks.amazonaws.com/pod-identity=enabled', '-o', 'name'])).trim()).toBe('pod/after');

    // the token the agent is shown: a TokenRequest for the Pod Identity audience
    const jwt = (await ok(['create', 'token', 'app', '-n', 'podid', '--audience', 'pods.eks.amazonaws.com'])).trim();
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    expect(claims).toMatchObject({ aud: ['pods.eks.amazonaws.com'], sub: 'system:serviceaccount:podid:app' });
  });

  it('deletes, then reports NotFound', async () => {
    expect(await ok(['delete', 'sa', 'app', '-n', 'team-a'])).toContain('serviceaccount "app" deleted');
    expect(server.getServiceAccount('team-a', 'app')).toBeUndefined();
    const gone = await kubectl(['get', 'sa', 'app', '-n', 'team-a']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('serviceaccounts "app" not found');
    expect((await kubectl(['delete', 'sa', 'app', '-n', 'team-a', '--ignore-not-found'])).code).toBe(0);
    expect(await ok(['delete', 'namespace', 'team-a'])).toContain('namespace "team-a" deleted');
    expect(server.getServiceAccount('team-a', 'applied')).toBeUndefined();
  });

  it('answers kubectl auth can-i from its RBAC rules, and refuses the denied write itself with the real 403', async () => {
    expect((await kubectl(['auth', 'can-i', 'create', 'serviceaccounts', '-n', 'locked'])).stdout.trim()).toBe('yes');
    server.deny({ verb: 'create', resource: 'serviceaccounts', namespace: 'locked' });
    try {
      const no = await kubectl(['auth', 'can-i', 'create', 'serviceaccounts', '-n', 'locked']);
      expect(no.stdout.trim()).toBe('no');
      expect(no.code).not.toBe(0);
      expect((await kubectl(['auth', 'can-i', 'create', 'serviceaccounts', '-n', 'default'])).stdout.trim()).toBe('yes');
      await ok(['create', 'namespace', 'locked']);
      const refused = await kubectl(['create', 'sa', 'app', '-n', 'locked']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('serviceaccounts is forbidden: User "irsactl-test" cannot create resource "serviceaccounts" in API group "" in the namespace "locked"');
    } finally {
      server.deny(undefined);
    }
  });

  it('a Terminating namespace refuses new content as NamespaceLifecycle does', async () => {
    server.terminateNamespace('leaving');
    expect(await ok(['get', 'namespace', 'leaving', '-o', 'jsonpath={.status.phase}'])).toBe('Terminating');
    const refused = await kubectl(['create', 'sa', 'app', '-n', 'leaving']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('unable to create new content in namespace leaving because it is being terminated');
  });

  it("refuses a token minted for another cluster", async () => {
    const other = join(dir, 'kubeconfig-other');
    await writeKubeconfig(other, 'some-other-cluster');
    const r = await kubectl(['get', 'sa', '-n', 'default'], { kubeconfig: other });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('You must be logged in to the server');
    expect(server.requests.some((q) => q.status === 401)).toBe(true);
  });
});
