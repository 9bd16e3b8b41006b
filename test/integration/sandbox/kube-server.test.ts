/** Server behaviour that kubectl and client-node do not reach on their own. */
import { request } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eksToken } from '../../../src/aws/eks-token.js';
import { jsonPatch, mergePatch, strategicMergePatch } from '../../../sandbox/kube/patch.js';
import { startKubeServer, type KubeTestServer } from '../../../sandbox/kube/server.js';

const KEY = 'AKIDSERVERTEST';
const SECRET = 'server-test-secret';
let server: KubeTestServer;
let token: string;

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

function call(method: string, path: string, opts: { body?: unknown; contentType?: string; auth?: string | null; srv?: KubeTestServer } = {}): Promise<Reply> {
  const srv = opts.srv ?? server;
  const url = new URL(path, srv.url);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = { Accept: 'application/json' };
  const auth = opts.auth === undefined ? `Bearer ${token}` : opts.auth;
  if (auth !== null) headers.Authorization = auth;
  if (payload !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca: srv.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          body = { text };
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

beforeAll(async () => {
  server = await startKubeServer({ clusterName: 'srv', credentials: {} });
  server.addCredential(KEY, SECRET); // added after start, as per-test moto keys are
  token = (await eksToken({ clusterName: 'srv', region: 'us-west-2', credentials: { accessKeyId: KEY, secretAccessKey: SECRET } })).token;
});
afterAll(async () => {
  await server?.stop();
});

describe('kube-server', () => {
  it('serves over TLS signed by its CA, with caData as base64 of the PEM', () => {
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(Buffer.from(server.caData, 'base64').toString('utf8')).toBe(server.caPem);
    expect(server.caPem).toContain('BEGIN CERTIFICATE');
  });

  it('needs a valid EKS bearer token: 401 Status with the reason otherwise', async () => {
    const none = await call('GET', '/api/v1/namespaces', { auth: null });
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const junk = await call('GET', '/api/v1/namespaces', { auth: 'Bearer k8s-aws-v1.bm90LWEtdXJs' });
    expect(junk.status).toBe(401);
    expect(String(junk.body.message)).toContain('Unauthorized: ');
    expect((await call('GET', '/api/v1/namespaces')).status).toBe(200);
  });

  it('refuses tokens of a removed key, as STS refuses expired credentials', async () => {
    server.removeCredential(KEY);
    try {
      expect(await call('GET', '/api/v1/namespaces')).toMatchObject({ status: 401, body: { message: expect.stringContaining('unknown access key') } });
    } finally {
      server.addCredential(KEY, SECRET);
    }
    expect((await call('GET', '/api/v1/namespaces')).status).toBe(200);
  });

  it('verifyToken: false accepts anything', async () => {
    const open = await startKubeServer({ clusterName: 'open', credentials: {}, verifyToken: false });
    try {
      expect((await call('GET', '/version', { auth: null, srv: open })).status).toBe(200);
    } finally {
      await open.stop();
    }
  });

  it('logs requests and can reset the log', async () => {
    server.resetLog();
    await call('GET', '/api/v1/namespaces/default/serviceaccounts/nope');
    // The access key is the one that signed the accepted token.
    expect(server.requests).toEqual([{ method: 'GET', path: '/api/v1/namespaces/default/serviceaccounts/nope', query: '', status: 404, accessKeyId: KEY }]);
    server.resetLog();
    expect(server.requests).toEqual([]);
  });

  it('fault injector: a Status, a delay that still answers, and back to normal', async () => {
    server.setFaultInjector(({ method }) => (method === 'POST' ? { status: 429 } : 'pass'));
    const limited = await call('POST', '/api/v1/namespaces', { body: { metadata: { name: 'x' } } });
    expect(limited).toMatchObject({ status: 429, body: { reason: 'TooManyRequests', code: 429 } });
    server.setFaultInjector(() => ({ delayMs: 20 }));
    expect((await call('GET', '/api/v1/namespaces/default')).status).toBe(200);
    server.setFaultInjector(undefined);
    expect((await call('POST', '/api/v1/namespaces', { body: { metadata: { name: 'x' } } })).status).toBe(201);
  });

  it('validates names (422), refuses watch (405) and unknown patch types (415), honours dryRun', async () => {
    const bad = await call('POST', '/api/v1/namespaces/default/serviceaccounts', { body: { metadata: { name: 'Bad_Name' } } });
    expect(bad).toMatchObject({ status: 422, body: { reason: 'Invalid' } });
    expect((await call('GET', '/api/v1/namespaces/default/serviceaccounts?watch=true')).status).toBe(405);
    const ssa = await call('PATCH', '/api/v1/namespaces/default/serviceaccounts/default', {
      body: { metadata: {} },
      contentType: 'application/apply-patch+yaml',
    });
    expect(ssa.status).toBe(415);
    const dry = await call('POST', '/api/v1/namespaces/default/serviceaccounts?dryRun=All', { body: { metadata: { name: 'dry' } } });
    expect(dry.status).toBe(200);
    expect(server.getServiceAccount('default', 'dry')).toBeUndefined();
  });

  it('PUT: 404 when absent, 400 on a name mismatch, uid and creationTimestamp are server-owned', async () => {
    expect((await call('PUT', '/api/v1/namespaces/default/serviceaccounts/ghost', { body: { metadata: { name: 'ghost' } } })).status).toBe(404);
    expect((await call('PUT', '/api/v1/namespaces/default/serviceaccounts/default', { body: { metadata: { name: 'other' } } })).status).toBe(400);
    const before = server.getServiceAccount('default', 'default')!;
    const put = await call('PUT', '/api/v1/namespaces/default/serviceaccounts/default', {
      body: { metadata: { name: 'default', uid: 'forged', labels: { a: 'b' } } },
    });
    expect(put.status).toBe(200);
    const meta = put.body.metadata as Record<string, unknown>;
    expect(meta.uid).toBe((before.metadata as Record<string, unknown>).uid);
    expect(meta.labels).toEqual({ a: 'b' });
  });

  it('TokenRequest defaults: 1 h, audience = issuer, and refuses < 10 minutes', async () => {
    const res = await call('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { body: { spec: {} } });
    expect(res.status).toBe(201);
    const spec = res.body.spec as { audiences: string[]; expirationSeconds: number };
    expect(spec).toMatchObject({ audiences: ['https://kubernetes.default.svc'], expirationSeconds: 3600 });
    const short = await call('POST', '/api/v1/namespaces/default/serviceaccounts/default/token', { body: { spec: { expirationSeconds: 60 } } });
    expect(short.status).toBe(422);
  });
});

describe('patch helpers', () => {
  const doc = { metadata: { name: 'a', annotations: { 'x/y': '1', keep: '2' } }, secrets: [{ name: 's1' }] };

  it('merge patch: null deletes, objects merge, arrays replace', () => {
    expect(mergePatch(doc, { metadata: { annotations: { 'x/y': null, n: '3' } }, secrets: [] })).toEqual({
      metadata: { name: 'a', annotations: { keep: '2', n: '3' } },
      secrets: [],
    });
  });

  it('strategic merge: $patch directives and bookkeeping keys', () => {
    expect(
      strategicMergePatch(doc, { metadata: { annotations: { $patch: 'replace', only: '1' } }, '$setElementOrder/secrets': [{ name: 's1' }] }),
    ).toEqual({ metadata: { name: 'a', annotations: { only: '1' } }, secrets: [{ name: 's1' }] });
    expect(strategicMergePatch(doc, { metadata: { annotations: { $patch: 'delete' } } })).toEqual({
      metadata: { name: 'a' },
      secrets: [{ name: 's1' }],
    });
  });

  it('JSON patch: escaping, add/remove/replace/test/move/copy, and failures', () => {
    expect(
      jsonPatch(doc, [
        { op: 'test', path: '/metadata/annotations/x~1y', value: '1' },
        { op: 'copy', from: '/metadata/annotations/keep', path: '/metadata/annotations/copied' },
        { op: 'move', from: '/metadata/annotations/x~1y', path: '/metadata/annotations/moved' },
        { op: 'add', path: '/secrets/-', value: { name: 's2' } },
        { op: 'replace', path: '/secrets/0/name', value: 's0' },
        { op: 'remove', path: '/metadata/annotations/keep' },
      ]),
    ).toEqual({ metadata: { name: 'a', annotations: { copied: '2', moved: '1' } }, secrets: [{ name: 's0' }, { name: 's2' }] });
    expect(() => jsonPatch(doc, [{ op: 'remove', path: '/metadata/labels' }])).toThrow(/missing/);
    expect(() => jsonPatch(doc, [{ op: 'test', path: '/metadata/name', value: 'b' }])).toThrow(/failed/);
    expect(() => jsonPatch(doc, [{ op: 'replace', path: '/metadata/nope', value: 1 }])).toThrow();
    expect(doc.metadata.annotations).toEqual({ 'x/y': '1', keep: '2' }); // input untouched
  });
});
