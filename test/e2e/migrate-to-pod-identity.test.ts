import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { CreateFargateProfileCommand, CreatePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks';
import { awsFaultPlan, kubeFaultPlan } from '../../sandbox/fault-plan.js';
import { useE2E } from '../support/cli.js';
import { ensureBuilt, runBin } from '../support/bin.js';
import { startStsTap } from './binary/support.js';

// utils migrate-to-pod-identity against the sandbox: a cluster of 10 annotated ServiceAccounts, 4 migratable (three
// with eksctl-style stacks, one role without a stack) and one of each blocker (Fargate, subjectPattern, another
// account, an add-on's role, a missing role, an association with another role), plus a Windows node. Each phase is
// interrupted with the sandbox's fault plan (every request of one action answered 500, so the SDK's retries fail)
// and the same command run again; rollback from each phase must give back the world exactly as it was.

const REGION = 'us-west-2';
const CLUSTER = 'mig-main';
const POLICY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const ANNOTATION = 'eks.amazonaws.com/role-arn';
const e = useE2E(CLUSTER, { region: REGION, associate: true });

const MIGRATABLE = ['apps/raw', 'default/dynamo', 'default/s3-reader', 'default/web'];
const BLOCKED: Record<string, string> = {
  'batch/job': 'fargate',
  'default/pattern-a': 'subject-pattern',
  'default/xacct': 'cross-account',
  'kube-system/ebs-csi-controller-sa': 'addon-owned',
  'default/ghost': 'role-missing',
  'default/mismatch': 'association-role-mismatch',
};
const ALL = [...MIGRATABLE, ...Object.keys(BLOCKED)].sort();

const clientOpts = () => ({ region: REGION, endpoint: e.sandbox.proxyUrl, credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey }, maxAttempts: 1 });
const key = () => ({ accountId: e.account.accountId, region: REGION, name: CLUSTER });
const roleArn = (name: string) => `arn:aws:iam::${e.account.accountId}:role/${name}`;
const host = () => e.cluster.issuer.replace(/^https:\/\//, '');
const irsaTrust = (ns: string, name: string) => ({
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['sts:AssumeRoleWithWebIdentity'],
      Principal: { Federated: `arn:aws:iam::${e.account.accountId}:oidc-provider/${host()}` },
      Condition: { StringEquals: { [`${host()}:sub`]: `system:serviceaccount:${ns}:${name}`, [`${host()}:aud`]: 'sts.amazonaws.com' } },
    },
  ],
});

let iam: IAMClient;
let cfn: CloudFormationClient;
let eks: EKSClient;

async function rawRole(name: string, trust: unknown, tags: Record<string, string> = {}): Promise<string> {
  const out = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust), Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
  return out.Role!.Arn!;
}
function annotate(id: string, arn: string): void {
  const [namespace, name] = id.split('/');
  e.cluster.kube.putServiceAccount({ metadata: { namespace, name, annotations: { [ANNOTATION]: arn } } });
}
async function createIrsa(namespace: string, name: string, ...extra: string[]): Promise<void> {
  const r = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--namespace', namespace, '--name', name, '--attach-policy-arn', POLICY, ...extra, '--approve']);
  if (r.code !== 0) throw new Error(r.stderr);
}

const stackOf = (id: string) => `eksctl-${CLUSTER}-addon-iamserviceaccount-${id.replace('/', '-')}`;
const STACKS = ['default/dynamo', 'default/s3-reader', 'default/web', 'batch/job', 'default/pattern-a'];
const ROLES: Record<string, string> = {};

/** Everything the migration may touch: annotations, each role's trust, each stack's template, the associations. */
async function world(): Promise<unknown> {
  const annotations = Object.fromEntries(ALL.map((id) => [id, (e.cluster.kube.getServiceAccount(id.split('/')[0]!, id.split('/')[1]!)?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[ANNOTATION] ?? null]));
  const trust: Record<string, unknown> = {};
  for (const [id, name] of Object.entries(ROLES)) {
    const role = await iam.send(new GetRoleCommand({ RoleName: name }));
    trust[id] = JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!));
  }
  const templates: Record<string, unknown> = {};
  for (const id of STACKS) templates[id] = JSON.parse((await cfn.send(new GetTemplateCommand({ StackName: stackOf(id) }))).TemplateBody!);
  const associations = e.sandbox.proxy.eks.associations(key()).map((a) => `${a.namespace}/${a.serviceAccount} ${a.roleArn}`).sort();
  return { annotations, trust, templates, associations };
}

const migrate = (...extra: string[]) => e.run(['utils', 'migrate-to-pod-identity', '--cluster', CLUSTER, '--region', REGION, ...extra]);
interface PlanJson {
  serviceAccounts: { id: string; status: string; phase: string | null; blockers: { code: string }[]; steps: { action: string; outcome: string | null }[] }[];
  warnings: { code: string }[];
  summary: { total: number; changes: number; done: number; blocked: number };
}
const planOf = async (...extra: string[]): Promise<PlanJson> => {
  const r = await migrate(...extra, '-o', 'json');
  expect(r, r.stderr).toMatchObject({ code: 0 });
  return JSON.parse(r.stdout) as PlanJson;
};
const phases = (p: PlanJson) => Object.fromEntries(p.serviceAccounts.filter((s) => MIGRATABLE.includes(s.id)).map((s) => [s.id, s.phase]));
const allIn = (phase: string) => Object.fromEntries(MIGRATABLE.map((id) => [id, phase]));

/** Every request of these AWS actions fails (HTTP 500 from the fault plan at rate 1), the rest pass. */
function failAws(...actions: string[]): void {
  const plan = awsFaultPlan({ rate: 1, seed: 1, kinds: ['http500'] });
  e.sandbox.proxy.setFaultInjector((req) => (actions.includes(req.action) ? plan.injector(req) : 'pass'));
}
function failKube(method: string, pathPart: string): void {
  const plan = kubeFaultPlan({ rate: 1, seed: 1, kinds: ['http500'] });
  e.cluster.kube.setFaultInjector((req) => (req.method === method && req.path.includes(pathPart) ? plan.injector(req) : 'pass'));
}
function noFaults(): void {
  e.sandbox.proxy.setFaultInjector(undefined);
  e.cluster.kube.setFaultInjector(undefined);
}

let original: unknown;

beforeAll(async () => {
  iam = new IAMClient(clientOpts());
  cfn = new CloudFormationClient(clientOpts());
  eks = new EKSClient(clientOpts());
  for (const id of ['default/s3-reader', 'default/dynamo', 'default/web', 'batch/job']) await createIrsa(id.split('/')[0]!, id.split('/')[1]!);
  await createIrsa('default', 'pattern-a', '--subject-pattern', 'pattern-*');
  for (const id of STACKS) {
    const out = await cfn.send(new GetTemplateCommand({ StackName: stackOf(id) }));
    expect(out.TemplateBody).toBeDefined();
    const sa = e.cluster.kube.getServiceAccount(id.split('/')[0]!, id.split('/')[1]!);
    ROLES[id] = ((sa?.metadata as { annotations: Record<string, string> }).annotations[ANNOTATION] ?? '').split('/').pop()!;
  }
  annotate('apps/raw', await rawRole('mig-raw', irsaTrust('apps', 'raw')));
  ROLES['apps/raw'] = 'mig-raw';
  annotate('default/xacct', 'arn:aws:iam::999988887777:role/elsewhere');
  annotate('kube-system/ebs-csi-controller-sa', await rawRole('mig-ebs', irsaTrust('kube-system', 'ebs-csi-controller-sa'), { 'alpha.eksctl.io/addon-name': 'aws-ebs-csi-driver', 'alpha.eksctl.io/cluster-name': CLUSTER }));
  ROLES['kube-system/ebs-csi-controller-sa'] = 'mig-ebs';
  annotate('default/ghost', roleArn('mig-ghost'));
  annotate('default/mismatch', await rawRole('mig-mismatch', irsaTrust('default', 'mismatch')));
  ROLES['default/mismatch'] = 'mig-mismatch';
  const other = await rawRole('mig-other', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] });
  await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: CLUSTER, namespace: 'default', serviceAccount: 'mismatch', roleArn: other }));
  await eks.send(
    new CreateFargateProfileCommand({
      clusterName: CLUSTER,
      fargateProfileName: 'batch-jobs',
      podExecutionRoleArn: roleArn('fargate-pod-execution'),
      subnets: ['subnet-00000001'],
      selectors: [{ namespace: 'batch' }],
    }),
  );
  e.cluster.kube.putNode('win-1', { 'kubernetes.io/os': 'windows' });
  e.cluster.kube.putNode('linux-1', { 'kubernetes.io/os': 'linux' });
  original = await world();
}, 120_000);

afterAll(() => {
  iam?.destroy();
  cfn?.destroy();
  eks?.destroy();
});

const expectOriginal = async () => expect(await world()).toEqual(original);
/** The re-run with the cut-over finishes every migratable ServiceAccount; the rollback then gives the world back exactly. */
async function finishThenRollBack(): Promise<void> {
  const again = await migrate('--remove-oidc-provider-trust-relationship', '--approve');
  expect(again, again.stderr).toMatchObject({ code: 0 });
  expect(phases(await planOf())).toEqual(allIn('migrated'));
  const back = await migrate('--rollback', '--approve');
  expect(back, back.stderr).toMatchObject({ code: 0 });
  await expectOriginal();
}

// Each test runs the CLI 4–7 times, with stack updates: 3–8 s in a full suite on 2 cores, but one of four full runs
// once spent 30 s in "verification interrupted" (not reproduced alone or beside its neighbours), so 90 s, not 30.
describe('utils migrate-to-pod-identity (sandbox, 10 ServiceAccounts)', { timeout: 90_000 }, () => {
  it('plans without --approve: every blocker with its reason, the Windows warning, the steps; exit 0 and no write', async () => {
    e.sandbox.proxy.resetLog();
    const plan = await planOf();
    expect(plan.serviceAccounts.map((s) => s.id)).toEqual(ALL);
    for (const [id, code] of Object.entries(BLOCKED)) {
      const item = plan.serviceAccounts.find((s) => s.id === id)!;
      expect(item, id).toMatchObject({ status: 'blocked', steps: [] });
      expect(item.blockers.map((b) => b.code), id).toEqual([code]);
    }
    expect(plan.warnings.map((w) => w.code)).toEqual(['windows-nodes']);
    expect(phases(plan)).toEqual(allIn('irsa'));
    expect(plan.summary).toEqual({ total: 10, changes: 4, done: 0, blocked: 6 });
    for (const action of ['UpdateStack', 'CreatePodIdentityAssociation', 'UpdateAssumeRolePolicy']) expect(e.sandbox.proxy.count(action === 'UpdateStack' ? 'cloudformation' : action === 'UpdateAssumeRolePolicy' ? 'iam' : 'eks', action)).toBe(0);
    await expectOriginal();
    const text = await migrate();
    expect(text.stdout).toContain('Nothing was changed. Run the same command with --approve');
    expect((await migrate('--exit-code')).code).toBe(3);
  });

  it('phase 2 interrupted: dual trust stays, exit 1; rollback from there gives the world back exactly', async () => {
    failAws('CreatePodIdentityAssociation');
    const r = await migrate('--approve');
    noFaults();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('run the same command again');
    expect(phases(await planOf())).toEqual(allIn('dual-trust'));
    expect(e.sandbox.proxy.count('iam', 'UpdateAssumeRolePolicy')).toBeGreaterThan(0);
    const back = await migrate('--rollback', '--approve');
    expect(back, back.stderr).toMatchObject({ code: 0 });
    await expectOriginal();
  });

  it('phase 1 interrupted for the stack roles: the raw role goes on alone; re-run continues; rollback from phase 2 is exact', async () => {
    failAws('UpdateStack');
    const r = await migrate('--approve');
    noFaults();
    expect(r.code).toBe(1);
    const p = phases(await planOf());
    expect(p['apps/raw']).toBe('associated');
    expect(p['default/s3-reader']).toBe('irsa');
    const again = await migrate('--approve', '-o', 'json');
    expect(again, again.stderr).toMatchObject({ code: 0 });
    const done = JSON.parse(again.stdout) as PlanJson;
    expect(done.serviceAccounts.filter((s) => MIGRATABLE.includes(s.id)).map((s) => s.steps.find((x) => x.action === 'verify')?.outcome)).toEqual(['done', 'done', 'done', 'done']);
    expect(phases(await planOf())).toEqual(allIn('associated'));
    // an update of the iamserviceaccount re-renders its template: the migration's trust stays in it
    const update = await e.run(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--namespace', 'default', '--name', 's3-reader', '--attach-policy-arn', POLICY, '--approve']);
    expect(update, update.stderr).toMatchObject({ code: 0 });
    expect(phases(await planOf())).toEqual(allIn('associated'));
    expect(e.sandbox.proxy.eks.associations(key()).filter((a) => MIGRATABLE.includes(`${a.namespace}/${a.serviceAccount}`))).toHaveLength(4);
    const rerun = await planOf();
    expect(rerun.summary).toMatchObject({ changes: 0, done: 4 });
    const back = await migrate('--rollback', '--approve');
    expect(back, back.stderr).toMatchObject({ code: 0 });
    await expectOriginal();
  });

  it('cut-over interrupted at the annotation, then at the OIDC trust; re-runs finish it; rollback from each is exact', async () => {
    expect((await migrate('--approve')).code).toBe(0);
    failKube('PATCH', '/serviceaccounts/');
    const atAnnotation = await migrate('--remove-oidc-provider-trust-relationship', '--approve');
    noFaults();
    expect(atAnnotation.code).toBe(1);
    expect(phases(await planOf())).toEqual(allIn('associated'));

    failAws('UpdateStack', 'UpdateAssumeRolePolicy');
    const atTrust = await migrate('--remove-oidc-provider-trust-relationship', '--approve');
    noFaults();
    expect(atTrust.code).toBe(1);
    expect(phases(await planOf())).toEqual(allIn('annotation-removed'));
    const back = await migrate('--rollback', '--approve');
    expect(back, back.stderr).toMatchObject({ code: 0 });
    await expectOriginal();

    const full = await migrate('--remove-oidc-provider-trust-relationship', '--approve');
    expect(full, full.stderr).toMatchObject({ code: 0 });
    expect(phases(await planOf())).toEqual(allIn('migrated'));
    const trust = (await world()) as { trust: Record<string, { Statement: { Principal: unknown }[] }>; annotations: Record<string, string | null> };
    for (const id of MIGRATABLE) {
      expect(trust.trust[id]!.Statement.map((s) => s.Principal), id).toEqual([{ Service: 'pods.eks.amazonaws.com' }]);
      expect(trust.annotations[id], id).toBeNull();
    }
    // blocked ServiceAccounts were never touched
    const now = trust as unknown as { annotations: Record<string, string | null> };
    for (const id of Object.keys(BLOCKED)) expect(now.annotations[id]).toEqual((original as { annotations: Record<string, string | null> }).annotations[id]);
  });

  it('rollback from the end, interrupted at the associations and run again, restores IRSA exactly', async () => {
    const plan = await planOf('--rollback');
    expect(plan.serviceAccounts.find((s) => s.id === 'default/s3-reader')!.steps.map((s) => s.action)).toEqual([
      'restore-annotation',
      'restore-oidc-trust',
      'delete-association',
      'remove-pod-identity-trust',
    ]);
    failAws('DeletePodIdentityAssociation');
    const interrupted = await migrate('--rollback', '--approve');
    noFaults();
    expect(interrupted.code).toBe(1);
    const again = await migrate('--rollback', '--approve');
    expect(again, again.stderr).toMatchObject({ code: 0 });
    await expectOriginal();
    expect((await planOf('--rollback')).summary.changes).toBe(0);
  });

  it('verification interrupted: no cut-over happens even when asked for; the re-run verifies and cuts over; rollback is exact', async () => {
    // the plan describes the one association there is (default/mismatch's); every later Describe (phase 3's) fails
    const plan = awsFaultPlan({ rate: 1, seed: 1, kinds: ['http500'] });
    let describes = 0;
    e.sandbox.proxy.setFaultInjector((req) => (req.action === 'DescribePodIdentityAssociation' && ++describes > 1 ? plan.injector(req) : 'pass'));
    const r = await migrate('--remove-oidc-provider-trust-relationship', '--approve', '-o', 'json');
    noFaults();
    expect(r.code).toBe(1);
    const ran = JSON.parse(r.stdout) as PlanJson;
    for (const item of ran.serviceAccounts.filter((s) => MIGRATABLE.includes(s.id))) {
      expect(Object.fromEntries(item.steps.map((s) => [s.action, s.outcome])), item.id).toEqual({
        'add-pod-identity-trust': 'done',
        'create-association': 'done',
        verify: 'failed',
        'remove-annotation': 'skipped',
        'remove-oidc-trust': 'skipped',
      });
    }
    expect(phases(await planOf())).toEqual(allIn('associated'));
    await finishThenRollBack();
  });

  it("phase 3 is the doctor's Pod Identity chain: --live proves each association at EKS Auth; a pod from before its association stops that ServiceAccount's cut-over until it is restarted", async () => {
    // a pod of default/web started under IRSA (the webhook set AWS_ROLE_ARN, no container-credentials variables)
    e.cluster.kube.putPod({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-old', namespace: 'default' },
      spec: { serviceAccountName: 'web', containers: [{ name: 'app', image: 'app', env: [{ name: 'AWS_ROLE_ARN', value: roleArn(ROLES['default/web']!) }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' }] }] },
    });
    e.sandbox.proxy.resetLog();
    const r = await migrate('--remove-oidc-provider-trust-relationship', '--approve', '--live', '-o', 'json');
    expect(r.code, r.stderr).toBe(1);
    const ran = JSON.parse(r.stdout) as PlanJson;
    const outcomes = Object.fromEntries(ran.serviceAccounts.filter((s) => MIGRATABLE.includes(s.id)).map((s) => [s.id, Object.fromEntries(s.steps.map((x) => [x.action, x.outcome]))]));
    expect(outcomes['default/web']).toEqual({ 'add-pod-identity-trust': 'done', 'create-association': 'done', verify: 'failed', 'remove-annotation': 'skipped', 'remove-oidc-trust': 'skipped' });
    for (const id of MIGRATABLE.filter((x) => x !== 'default/web')) expect(outcomes[id], id).toEqual({ 'add-pod-identity-trust': 'done', 'create-association': 'done', verify: 'done', 'remove-annotation': 'done', 'remove-oidc-trust': 'done' });
    expect(r.stderr).toContain('started before the association');
    expect(r.stderr).toContain('kubectl delete pod -n default web-old');
    // --live: the agent's exchange, once per ServiceAccount verified (the web one too: its association works)
    expect(e.sandbox.proxy.count('eks-auth', 'AssumeRoleForPodIdentity')).toBe(MIGRATABLE.length);
    expect(phases(await planOf())).toEqual({ ...allIn('migrated'), 'default/web': 'associated' });

    // the restart the fix names: the old pod goes, and the re-run cuts web over too
    expect(e.cluster.kube.deletePod('default', 'web-old')).toBe(true);
    await finishThenRollBack();
  });

  it('--live: EKS Auth refusing at first (IAM still spreading the new trust) is asked again; refusing throughout fails verification', async () => {
    // What real AWS does for seconds after UpdateAssumeRolePolicy and the sandbox does not (its IAM is consistent at
    // once): EKS Auth's AccessDeniedException, in its wire form (x-amzn-errortype), from the proxy's fault injector.
    const refusal = { status: 400, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' }, body: JSON.stringify({ message: 'EKS cannot assume the role: not authorized to perform sts:AssumeRole' }) };
    let refused = 0;
    e.sandbox.proxy.setFaultInjector((req) => (req.action === 'AssumeRoleForPodIdentity' && refused++ < 2 ? refusal : 'pass'));
    e.sandbox.proxy.resetLog();
    const r = await migrate('--approve', '--live');
    noFaults();
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(r.stderr).toContain('IAM changes take seconds to reach it, so asking again');
    expect(e.sandbox.proxy.count('eks-auth', 'AssumeRoleForPodIdentity')).toBe(MIGRATABLE.length + 2);
    expect(phases(await planOf())).toEqual(allIn('associated'));

    // refused every time: the five exchanges of each, then its verification fails and no cut-over happens
    e.sandbox.proxy.setFaultInjector((req) => (req.action === 'AssumeRoleForPodIdentity' ? refusal : 'pass'));
    e.sandbox.proxy.resetLog();
    const failed = await migrate('--remove-oidc-provider-trust-relationship', '--approve', '--live', '-o', 'json');
    noFaults();
    expect(failed.code).toBe(1);
    expect(e.sandbox.proxy.count('eks-auth', 'AssumeRoleForPodIdentity')).toBe(MIGRATABLE.length * 5);
    const ran = JSON.parse(failed.stdout) as PlanJson;
    for (const item of ran.serviceAccounts.filter((x) => MIGRATABLE.includes(x.id))) {
      expect(Object.fromEntries(item.steps.map((x) => [x.action, x.outcome])), item.id).toEqual({ verify: 'failed', 'remove-annotation': 'skipped', 'remove-oidc-trust': 'skipped' });
    }
    expect(phases(await planOf())).toEqual(allIn('associated'));
    const back = await migrate('--rollback', '--approve');
    expect(back, back.stderr).toMatchObject({ code: 0 });
    await expectOriginal();
  });

  it('--live does not go with --rollback (usage, before any request)', async () => {
    e.sandbox.proxy.resetLog();
    const r = await migrate('--rollback', '--live');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--live proves the migration');
    expect(e.sandbox.proxy.requests).toEqual([]);
  });

  it('usage: --cluster is required, and --rollback does not go with the cut-over; both before any request', async () => {
    e.sandbox.proxy.resetLog();
    const none = await e.run(['utils', 'migrate-to-pod-identity', '--region', REGION]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--cluster is required');
    const both = await migrate('--rollback', '--remove-oidc-provider-trust-relationship');
    expect(both.code).toBe(2);
    expect(e.sandbox.proxy.count('eks') + e.sandbox.proxy.count('iam')).toBe(0);
  });

  it('the built binary plans the same (its lazy bundle has the command)', async () => {
    ensureBuilt();
    const r = await runBin(['utils', 'migrate-to-pod-identity', '--cluster', CLUSTER, '--region', REGION, '-o', 'json'], e.env);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect((JSON.parse(r.stdout) as PlanJson).summary).toEqual({ total: 10, changes: 4, done: 0, blocked: 6 });
  });

  it('the built binary with an assume-role profile (STS-issued keys, no static keys in the environment) migrates one with --live and rolls it back', async () => {
    ensureBuilt();
    const home = mkdtempSync(join(tmpdir(), 'irsactl-mig-home-'));
    // Real EKS asks STS about the keys STS issued; the Kubernetes test server learns them from the tap.
    const tap = await startStsTap(e.sandbox.proxyUrl, (accessKeyId, secretAccessKey) => e.cluster.kube.addCredential(accessKeyId, secretAccessKey));
    try {
      mkdirSync(join(home, '.aws'));
      writeFileSync(join(home, '.aws', 'credentials'), `[base]\naws_access_key_id = ${e.account.accessKeyId}\naws_secret_access_key = ${e.account.secretAccessKey}\n`);
      // moto puts an assumed role's keys in the account of the role ARN, where the cluster is.
      writeFileSync(join(home, '.aws', 'config'), `[profile deployer]\nrole_arn = ${roleArn('mig-deployer')}\nsource_profile = base\nregion = ${REGION}\n`);
      const env = Object.fromEntries(Object.entries(e.env).filter(([k]) => !/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|SHARED_CREDENTIALS_FILE|CONFIG_FILE)$/.test(k)));
      const run = (...extra: string[]) => runBin(['utils', 'migrate-to-pod-identity', '--cluster', CLUSTER, '--include', 'apps/*', ...extra], { ...env, HOME: home, AWS_PROFILE: 'deployer', AWS_ENDPOINT_URL_STS: tap.url });
      e.sandbox.proxy.resetLog();
      const kubeBefore = e.cluster.kube.requests.length;
      const r = await run('--approve', '--live');
      expect(r, r.stderr).toMatchObject({ code: 0 });
      expect(r.stderr).toMatch(/apps\/raw: Pod Identity gives it its role \(4 checks passed; a token for apps\/raw assumed arn:aws:sts::\d+:assumed-role\/mig-raw\//);
      // one identity for the run: the AWS clients, the EKS Auth signer and the Kubernetes token share one AssumeRole
      expect(e.sandbox.proxy.count('sts', 'AssumeRole')).toBe(1);
      expect(e.sandbox.proxy.count('eks-auth', 'AssumeRoleForPodIdentity')).toBe(1);
      // the Kubernetes calls were signed with the STS-issued keys (ASIA…), none refused
      const kube = e.cluster.kube.requests.slice(kubeBefore);
      expect(kube.filter((q) => q.status === 401)).toEqual([]);
      expect(new Set(kube.map((q) => q.accessKeyId?.slice(0, 4)))).toEqual(new Set(['ASIA']));
      const back = await run('--rollback', '--approve');
      expect(back, back.stderr).toMatchObject({ code: 0 });
      await expectOriginal();
    } finally {
      await tap.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('--include migrates a few at a time; an include that matches nothing fails (1); a glob that does not parse is usage (2)', async () => {
    const some = await migrate('--include', 'apps/*', '-o', 'json');
    expect((JSON.parse(some.stdout) as PlanJson).serviceAccounts.map((s) => s.id)).toEqual(['apps/raw']);
    const bad = await migrate('--include', 'apps/[x');
    expect(bad.code).toBe(2);
    const typo = await migrate('--include', 'nope/*');
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('no annotated ServiceAccount matches "nope/*"');
  });
});

describe('utils migrate-to-pod-identity: what blocks a whole cluster (sandbox)', () => {
  it('without the eks-pod-identity-agent add-on every ServiceAccount is blocked with the create-addon command; exit 0, nothing written; Auto Mode needs none', async () => {
    const name = 'mig-noagent';
    await e.sandbox.createCluster(e.account, name, REGION);
    const k = { accountId: e.account.accountId, region: REGION, name };
    const c = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', name, '--region', REGION, '--approve']);
    expect(c.code).toBe(0);
    const made = await e.run(['create', 'iamserviceaccount', '--cluster', name, '--region', REGION, '--name', 'app', '--attach-policy-arn', POLICY, '--approve']);
    expect(made, made.stderr).toMatchObject({ code: 0 });
    e.sandbox.proxy.eks.removeAddon(k, 'eks-pod-identity-agent');
    e.sandbox.proxy.resetLog();
    const r = await e.run(['utils', 'migrate-to-pod-identity', '--cluster', name, '--region', REGION, '--approve', '-o', 'json']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const plan = JSON.parse(r.stdout) as PlanJson & { serviceAccounts: { blockers: { code: string; fix: string | null }[] }[] };
    expect(plan.serviceAccounts[0]!.blockers).toEqual([expect.objectContaining({ code: 'agent-missing', fix: `aws eks create-addon --cluster-name ${name} --addon-name eks-pod-identity-agent --region ${REGION}` })]);
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack') + e.sandbox.proxy.count('eks', 'CreatePodIdentityAssociation')).toBe(0);
    e.sandbox.proxy.eks.setAutoMode(k, true);
    const auto = await e.run(['utils', 'migrate-to-pod-identity', '--cluster', name, '--region', REGION, '--approve']);
    expect(auto, auto.stderr).toMatchObject({ code: 0 });
    expect(e.sandbox.proxy.eks.associations(k)).toHaveLength(1);
  });

  it('in a China region every ServiceAccount is blocked: no Pod Identity in aws-cn', async () => {
    const name = 'mig-china';
    const region = 'cn-north-1';
    const c = await e.sandbox.createCluster(e.account, name, region);
    c.kube.putServiceAccount({ metadata: { namespace: 'default', name: 'x', annotations: { [ANNOTATION]: `arn:aws-cn:iam::${e.account.accountId}:role/x` } } });
    const { runCli } = await import('../support/run-cli.js');
    const r = await runCli(['utils', 'migrate-to-pod-identity', '--cluster', name, '--region', region, '-o', 'json'], { ...e.env, AWS_REGION: region });
    expect(r, r.stderr).toMatchObject({ code: 0 });
    const plan = JSON.parse(r.stdout) as PlanJson;
    expect(plan.serviceAccounts[0]!.blockers.map((b) => b.code)).toContain('partition');
  });
});
