/**
 * `irsactl create iamserviceaccount` end to end: moto behind the rewriting proxy, the Kubernetes test server
 * reached through irsactl's real default path (DescribeCluster → EKS token → TLS). State is read back from moto
 * directly and from the Kubernetes test server's store; one check uses the real kubectl as an outside observer.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { AwsPorts } from '../../src/aws/ports.js';
import { eksToken } from '../../src/aws/eks-token.js';
import { startE2E, type E2E } from '../support/cli.js';
import { liveStacks } from '../support/fake-cfn.js';
import { testAwsOptions } from '../support/aws.js';
import { parseRunDocument } from '../support/run-document.js';

const REGION = 'us-west-2';
const CLUSTER = 'create-e2e';
const DDB_READ = 'arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const ROLE_ARN_ANNOTATION = 'eks.amazonaws.com/role-arn';
const MANAGED_BY = 'app.kubernetes.io/managed-by';
const KUBECTL = '/usr/bin/kubectl';

interface SaObject {
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string };
}

const stackName = (cluster: string, ns: string, name: string) => `eksctl-${cluster}-addon-iamserviceaccount-${ns}-${name}`;

/** The example file, rewritten to a test's cluster name (the service accounts stay as eksctl's example has them). */
function exampleFor(cluster: string): string {
  const text = readFileSync(new URL('../../examples/iamserviceaccounts.yaml', import.meta.url), 'utf8');
  const rewritten = text.replace(/^(\s+name:\s*)demo\s*$/m, `$1${cluster}`);
  expect(rewritten).toContain(`name: ${cluster}`);
  return rewritten;
}

async function tempFile(name: string, content: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'irsactl-e2e-'));
  const path = join(dir, name);
  await writeFile(path, content);
  return { path, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Associates the provider through the CLI itself (covered in associate.test.ts). */
async function associate(e: E2E, cluster: string): Promise<void> {
  const r = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', cluster, '--region', REGION, '--approve']);
  expect(r.code, r.stderr).toBe(0);
}

describe('create iamserviceaccount by flags', () => {
  let e: E2E;
  let aws: AwsPorts;
  beforeAll(async () => {
    e = await startE2E(CLUSTER, REGION);
    aws = await createAwsPorts(testAwsOptions(e.account, REGION));
    await associate(e, CLUSTER);
  });
  afterAll(async () => {
    await e?.stop();
  });

  const sa = (ns: string, name: string) => e.cluster.kube.getServiceAccount(ns, name) as SaObject | undefined;
  const baseFlags = ['--cluster', CLUSTER, '--region', REGION];

  it('without --approve prints the plan on stdout and creates neither stack nor ServiceAccount', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['create', 'iamserviceaccount', ...baseFlags, '--namespace', 'apps', '--name', 's3-reader', '--attach-policy-arn', S3_READ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Plan for cluster "${CLUSTER}" in ${REGION}`);
    expect(r.stdout).toContain(`+ apps/s3-reader: create stack ${stackName(CLUSTER, 'apps', 's3-reader')}; create serviceaccount`);
    expect(r.stderr).toContain("run again with '--approve'");
    expect(r.stdout).not.toContain("--approve'");
    expect(await aws.cfn.describeStack(stackName(CLUSTER, 'apps', 's3-reader'))).toBeUndefined();
    expect(sa('apps', 's3-reader')).toBeUndefined();
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    // nothing written: only reads, and the access reviews the preflight asks (a POST that stores nothing)
    expect(e.cluster.kube.requests.filter((q) => q.method !== 'GET' && !q.path.endsWith('/selfsubjectaccessreviews'))).toEqual([]);
  });

  it('-o json plan has the stack name, tags, capabilities, template and the ServiceAccount action', async () => {
    const r = await e.run(['create', 'iamserviceaccount', ...baseFlags, '--namespace', 'apps', '--name', 's3-reader', '--attach-policy-arn', S3_READ, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const plan = parseRunDocument(r.stdout);
    expect(plan.items).toHaveLength(1);
    const item = plan.items[0]!;
    expect(item.stack.name).toBe(stackName(CLUSTER, 'apps', 's3-reader'));
    expect(item.stack.tags).toMatchObject({
      'alpha.eksctl.io/cluster-name': CLUSTER,
      'eksctl.cluster.k8s.io/v1alpha1/cluster-name': CLUSTER,
      'alpha.eksctl.io/iamserviceaccount-name': 'apps/s3-reader',
    });
    expect(item.stack.capabilities).toEqual(['CAPABILITY_IAM']);
    expect(item.stack.template).toMatchObject({ Resources: { Role1: { Type: 'AWS::IAM::Role' } } });
    expect(item.serviceAccount).toEqual({ namespace: 'apps', name: 's3-reader', action: 'create' });
    expect(item).toMatchObject({ id: 'apps/s3-reader', action: 'create', stack: { action: 'create' } });
  });

  let createdRoleArn = '';
  it('--approve creates the stack as eksctl names, tags and templates it, and the annotated ServiceAccount', async () => {
    const planned = await e.run(['create', 'iamserviceaccount', ...baseFlags, '--namespace', 'apps', '--name', 's3-reader', '--attach-policy-arn', S3_READ, '-o', 'json']);
    const plannedTemplate = parseRunDocument(planned.stdout).items[0]!.stack.template;

    const r = await e.run(['create', 'iamserviceaccount', ...baseFlags, '--namespace', 'apps', '--name', 's3-reader', '--attach-policy-arn', S3_READ, '--approve']);
    expect(r.code, r.stderr).toBe(0);
    // Results on stdout, narration on stderr.
    expect(r.stdout).toMatch(/apps\s+s3-reader\s+created\s+created\s+arn:aws:iam::/);
    expect(r.stderr).toContain(`creating stack ${stackName(CLUSTER, 'apps', 's3-reader')}`);
    expect(r.stderr).toContain('created serviceaccount apps/s3-reader');
    expect(r.stdout).not.toContain('creating stack');

    const stack = await aws.cfn.describeStack(stackName(CLUSTER, 'apps', 's3-reader'));
    expect(stack?.status).toBe('CREATE_COMPLETE');
    expect(stack!.tags).toMatchObject({
      'alpha.eksctl.io/cluster-name': CLUSTER,
      'eksctl.cluster.k8s.io/v1alpha1/cluster-name': CLUSTER,
      'alpha.eksctl.io/iamserviceaccount-name': 'apps/s3-reader',
    });
    expect(stack!.tags['alpha.eksctl.io/eksctl-version']).toMatch(/\S/);
    const live = JSON.parse(await aws.cfn.getTemplate(stack!.stackId)) as Record<string, unknown>;
    expect(live).toEqual(plannedTemplate);
    const trust = JSON.stringify(live);
    expect(trust).toContain('system:serviceaccount:apps:s3-reader');
    expect(trust).toContain('sts.amazonaws.com');
    expect(trust).toContain(S3_READ);

    createdRoleArn = stack!.outputs.Role1!;
    expect(createdRoleArn).toMatch(new RegExp(`^arn:aws:iam::${e.account.accountId}:role/`));
    expect(await aws.iam.getRole(createdRoleArn.split('/').pop()!)).toBeDefined();

    const obj = sa('apps', 's3-reader');
    expect(obj?.metadata.annotations?.[ROLE_ARN_ANNOTATION]).toBe(createdRoleArn);
    expect(obj?.metadata.labels?.[MANAGED_BY]).toBe('irsactl');
  });

  it.skipIf(!existsSync(KUBECTL))('the real kubectl sees the annotation irsactl wrote', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'irsactl-kubectl-'));
    try {
      await writeFile(join(dir, 'ca.pem'), e.cluster.kube.caPem);
      const { token } = await eksToken({
        clusterName: CLUSTER,
        region: REGION,
        credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey },
      });
      const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          KUBECTL,
          ['--server', e.cluster.kube.url, '--certificate-authority', join(dir, 'ca.pem'), '--token', token, '--cache-dir', join(dir, 'cache'),
            '--request-timeout', '10s', 'get', 'serviceaccount', 's3-reader', '-n', 'apps', '-o', 'json'],
          { env: { PATH: process.env.PATH, HOME: dir, KUBECONFIG: join(dir, 'none') }, timeout: 30_000 },
          (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
        );
      });
      expect(out.code, out.stderr).toBe(0);
      const obj = JSON.parse(out.stdout) as SaObject;
      expect(obj.metadata.annotations?.[ROLE_ARN_ANNOTATION]).toBe(createdRoleArn);
      expect(obj.metadata.labels?.[MANAGED_BY]).toBe('irsactl');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('running the same --approve again is safe: reported as exists/unchanged, nothing duplicated', async () => {
    const before = sa('apps', 's3-reader')!.metadata.resourceVersion;
    e.sandbox.proxy.resetLog();
    const r = await e.run(['create', 'iamserviceaccount', ...baseFlags, '--namespace', 'apps', '--name', 's3-reader', '--attach-policy-arn', S3_READ, '--approve', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = parseRunDocument(r.stdout);
    expect(out.items.map((i) => [i.stack.outcome, i.serviceAccount.outcome, i.role.arn, i.outcome?.changed])).toEqual([['exists', 'unchanged', createdRoleArn, false]]);
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    const stacks = (await liveStacks(aws.cfn)).filter((s) => s.tags['alpha.eksctl.io/iamserviceaccount-name'] === 'apps/s3-reader');
    expect(stacks).toHaveLength(1);
    expect(sa('apps', 's3-reader')!.metadata.resourceVersion).toBe(before);
  });

  it('on an existing stack that differs, create says so, lists the differences and how to change it, and changes nothing', async () => {
    const argv = ['create', 'iamserviceaccount', ...baseFlags, '--namespace', 'apps', '--name', 's3-reader', '--attach-policy-arn', DDB_READ, '--tags', 'team=data'];
    const plan = await e.run(argv);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/apps\/s3-reader: stack exists \(CREATE_COMPLETE\) and differs from what was asked/);
    expect(plan.stdout).toContain(`+ managed policy ${DDB_READ}`);
    expect(plan.stdout).toContain(`- managed policy ${S3_READ}`);
    expect(plan.stdout).toMatch(/tag team/);
    expect(plan.stderr).not.toContain('everything is as the configuration says');
    expect(plan.stderr).toContain('create leaves it as it is: run `irsactl update iamserviceaccount` with the same flags');
    e.sandbox.proxy.resetLog();
    const r = await e.run([...argv, '--approve', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/apps\/s3-reader: stack \S+ exists \(CREATE_COMPLETE\) and differs from what was asked \(.*managed policy/);
    const out = parseRunDocument(r.stdout);
    expect(out.items[0]).toMatchObject({ action: 'noop', stack: { action: 'exists', outcome: 'exists', differs: expect.arrayContaining([`+ managed policy ${DDB_READ}`]) } });
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack')).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
  });

  it('--role-only creates the stack and touches nothing in Kubernetes, not even the namespace', async () => {
    e.cluster.kube.resetLog();
    const r = await e.run(['create', 'iamserviceaccount', ...baseFlags, '--namespace', 'role-only-ns', '--name', 'worker', '--attach-policy-arn', S3_READ, '--role-only', '--approve']);
    expect(r.code, r.stderr).toBe(0);
    const stack = await aws.cfn.describeStack(stackName(CLUSTER, 'role-only-ns', 'worker'));
    expect(stack?.status).toBe('CREATE_COMPLETE');
    expect(stack!.outputs.Role1).toMatch(/^arn:aws:iam::/);
    expect(sa('role-only-ns', 'worker')).toBeUndefined();
    expect(e.cluster.kube.requests.filter((q) => q.path.includes('role-only-ns'))).toEqual([]);
    expect(e.cluster.kube.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  });

  it('--attach-role-arn creates no stack and annotates the ServiceAccount with that ARN', async () => {
    const given = `arn:aws:iam::${e.account.accountId}:role/made-elsewhere`;
    e.sandbox.proxy.resetLog();
    const r = await e.run(['create', 'iamserviceaccount', ...baseFlags, '--namespace', 'attached', '--name', 'app', '--attach-role-arn', given, '--approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    expect(await aws.cfn.describeStack(stackName(CLUSTER, 'attached', 'app'))).toBeUndefined();
    const obj = sa('attached', 'app');
    expect(obj?.metadata.annotations?.[ROLE_ARN_ANNOTATION]).toBe(given);
    expect(obj?.metadata.labels?.[MANAGED_BY]).toBe('irsactl');
  });

  it('an existing ServiceAccount is skipped and untouched without --override-existing-serviceaccounts', async () => {
    e.cluster.kube.putServiceAccount({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'helm-owned', namespace: 'existing', labels: { 'app.kubernetes.io/managed-by': 'Helm', team: 'a' }, annotations: { keep: 'me' } },
    });
    const before = JSON.stringify(sa('existing', 'helm-owned'));
    e.sandbox.proxy.resetLog();
    const r = await e.run(['create', 'iamserviceaccount', ...baseFlags, '--namespace', 'existing', '--name', 'helm-owned', '--attach-policy-arn', S3_READ, '--approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/existing\/helm-owned.*skipped.*--override-existing-serviceaccounts/);
    expect(r.stdout).toMatch(/existing\s+helm-owned\s+skipped\s+skipped/);
    // eksctl's rule: no role is made for a ServiceAccount that may not be annotated.
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    expect(JSON.stringify(sa('existing', 'helm-owned'))).toBe(before);
  });

  it('with --override-existing-serviceaccounts it is annotated, keeps its labels and annotations, and is not claimed', async () => {
    const r = await e.run([
      'create', 'iamserviceaccount', ...baseFlags, '--namespace', 'existing', '--name', 'helm-owned', '--attach-policy-arn', S3_READ,
      '--override-existing-serviceaccounts', '--approve',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const stack = await aws.cfn.describeStack(stackName(CLUSTER, 'existing', 'helm-owned'));
    expect(stack?.status).toBe('CREATE_COMPLETE');
    const obj = sa('existing', 'helm-owned')!;
    expect(obj.metadata.annotations).toEqual({ keep: 'me', [ROLE_ARN_ANNOTATION]: stack!.outputs.Role1 });
    // Helm keeps its claim: irsactl adds no managed-by label to an object it did not create.
    expect(obj.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'Helm', team: 'a' });
    expect(r.stdout).toMatch(/existing\s+helm-owned\s+created\s+annotated/);
  });

  it('Kubernetes refusing the ServiceAccount: exit 1 naming it; the same command again finishes the job without a second stack', async () => {
    const argv = ['create', 'iamserviceaccount', ...baseFlags, '--namespace', 'flaky', '--name', 'app', '--attach-policy-arn', S3_READ, '--approve'];
    e.cluster.kube.setFaultInjector((req) =>
      req.method === 'POST' && req.path === '/api/v1/namespaces/flaky/serviceaccounts' ? { status: 403, reason: 'Forbidden', message: 'serviceaccounts is forbidden' } : 'pass',
    );
    let r;
    try {
      r = await e.run(argv);
    } finally {
      e.cluster.kube.setFaultInjector(undefined);
    }
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/flaky\/app.*forbidden/i);
    expect(r.stdout).toMatch(/flaky\s+app\s+created\s+failed/);
    expect(sa('flaky', 'app')).toBeUndefined();
    const stack = await aws.cfn.describeStack(stackName(CLUSTER, 'flaky', 'app'));
    expect(stack?.status).toBe('CREATE_COMPLETE');

    e.sandbox.proxy.resetLog();
    const again = await e.run(argv);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/flaky\s+app\s+exists\s+created/);
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    expect(sa('flaky', 'app')?.metadata.annotations?.[ROLE_ARN_ANNOTATION]).toBe(stack!.outputs.Role1);
  });

  it('bad input exits 2 and sends no request to AWS', async () => {
    for (const argv of [
      ['create', 'iamserviceaccount', ...baseFlags, '--attach-policy-arn', S3_READ, '--approve'], // no name
      ['create', 'iamserviceaccount', ...baseFlags, '--name', 'x', '--approve'], // no policy
      ['create', 'iamserviceaccount', ...baseFlags, '--name', 'x', '--attach-policy-arn', S3_READ, '--timeout', 'soon'],
      ['create', 'iamserviceaccount', ...baseFlags, '--name', 'x', '--attach-policy-arn', S3_READ, '-f', 'cluster.yaml'],
    ]) {
      e.sandbox.proxy.resetLog();
      const r = await e.run(argv);
      expect(r.code, `${argv.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stdout).toBe('');
      expect(e.sandbox.proxy.requests, argv.join(' ')).toEqual([]);
    }
  });
});

describe('create iamserviceaccount without an OIDC provider', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E('no-oidc-e2e', REGION);
  });
  afterAll(async () => {
    await e?.stop();
  });

  it('exits 1 with the exact associate command and creates nothing', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['create', 'iamserviceaccount', '--cluster', 'no-oidc-e2e', '--region', REGION, '--name', 'app', '--attach-policy-arn', S3_READ, '--approve']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('has no IAM OIDC provider');
    expect(r.stderr).toContain(`irsactl utils associate-iam-oidc-provider --cluster no-oidc-e2e --region ${REGION} --approve`);
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    expect(e.sandbox.proxy.count('iam', 'CreateOpenIDConnectProvider')).toBe(0);
  });
});

describe('create iamserviceaccount -f (eksctl ClusterConfig)', () => {
  const FILE_CLUSTER = 'file-e2e';
  let e: E2E;
  let aws: AwsPorts;
  let file: { path: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    e = await startE2E(FILE_CLUSTER, REGION);
    aws = await createAwsPorts(testAwsOptions(e.account, REGION));
    file = await tempFile('cluster.yaml', exampleFor(FILE_CLUSTER));
  });
  afterAll(async () => {
    await e?.stop();
    await file?.cleanup();
  });

  const irsaStackIds = async () =>
    (await liveStacks(aws.cfn))
      .filter((s) => s.tags['alpha.eksctl.io/cluster-name'] === FILE_CLUSTER)
      .map((s) => s.tags['alpha.eksctl.io/iamserviceaccount-name'])
      .sort();

  it('the plan with iam.withOIDC: true includes the provider and changes nothing', async () => {
    const r = await e.run(['create', 'iamserviceaccount', '-f', file.path, '--include', 'backend-apps/*']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('+ create IAM OIDC provider');
    expect(r.stdout).toContain('backend-apps/s3-reader');
    expect(r.stdout).toContain('backend-apps/cache-access');
    expect(r.stdout).not.toContain('kube-system/');
    expect(await aws.iam.listOidcProviderArns()).toEqual([]);
    expect(await irsaStackIds()).toEqual([]);
  });

  it('--approve with withOIDC associates the provider first, then creates only the included accounts', async () => {
    const r = await e.run(['create', 'iamserviceaccount', '-f', file.path, '--include', 'backend-apps/*,kube-system/external-dns', '--exclude', '*/cache-access', '--approve']);
    expect(r.code, r.stderr).toBe(0);
    const providers = await aws.iam.listOidcProviderArns();
    expect(providers).toHaveLength(1);
    expect((await aws.eks.describeCluster(FILE_CLUSTER)).tags['alpha.eksctl.io/cluster-oidc-enabled']).toBe('true');
    expect(r.stderr.indexOf('created IAM OIDC provider')).toBeGreaterThanOrEqual(0);
    expect(r.stderr.indexOf('created IAM OIDC provider')).toBeLessThan(r.stderr.indexOf('creating stack'));

    expect(await irsaStackIds()).toEqual(['backend-apps/s3-reader', 'kube-system/external-dns']);
    const s3 = e.cluster.kube.getServiceAccount('backend-apps', 's3-reader') as SaObject | undefined;
    expect(s3?.metadata.labels).toEqual({ 'aws-usage': 'application', [MANAGED_BY]: 'irsactl' });
    expect(s3?.metadata.annotations?.[ROLE_ARN_ANNOTATION]).toMatch(/^arn:aws:iam::/);
    expect(e.cluster.kube.getServiceAccount('kube-system', 'external-dns')).toBeDefined();
    expect(e.cluster.kube.getServiceAccount('backend-apps', 'cache-access')).toBeUndefined();
    expect(e.cluster.kube.getServiceAccount('kube-system', 'cluster-autoscaler')).toBeUndefined();
  });

  it('a second run over the same selection reports what exists and duplicates nothing', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['create', 'iamserviceaccount', '-f', file.path, '--include', 'backend-apps/*,kube-system/external-dns', '--exclude', '*/cache-access', '--approve', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = parseRunDocument(r.stdout);
    expect(out.items.map((s) => [s.id, s.stack.outcome, s.serviceAccount.outcome]).sort()).toEqual([
      ['backend-apps/s3-reader', 'exists', 'unchanged'],
      ['kube-system/external-dns', 'exists', 'unchanged'],
    ]);
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    expect(e.sandbox.proxy.count('iam', 'CreateOpenIDConnectProvider')).toBe(0);
    expect(await irsaStackIds()).toEqual(['backend-apps/s3-reader', 'kube-system/external-dns']);
  });

  it('the file from stdin, with the attachRoleARN account included, annotates it with that role and makes no stack', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['create', 'iamserviceaccount', '-f', '-', '--include', 'default/some-app', '--approve'], { stdin: exampleFor(FILE_CLUSTER) });
    expect(r.code, r.stderr).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    const obj = e.cluster.kube.getServiceAccount('default', 'some-app') as SaObject | undefined;
    expect(obj?.metadata.annotations?.[ROLE_ARN_ANNOTATION]).toBe('arn:aws:iam::123:role/already-created-role-for-app');
  });

  it('a bad file exits 2 before any AWS request', async () => {
    const bad = await tempFile('bad.yaml', exampleFor(FILE_CLUSTER).replace('attachPolicyARNs:', 'attachPolicyArns:'));
    try {
      e.sandbox.proxy.resetLog();
      const r = await e.run(['create', 'iamserviceaccount', '-f', bad.path, '--approve']);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('attachPolicyArns');
      expect(e.sandbox.proxy.requests).toEqual([]);
    } finally {
      await bad.cleanup();
    }
  });
});
