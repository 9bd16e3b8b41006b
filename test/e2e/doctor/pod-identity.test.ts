import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateRoleCommand, DeleteRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreatePodIdentityAssociationCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBin } from '../../support/bin.js';
import { useE2E } from '../../support/cli.js';
import { runPrintedCommand, sandboxKubeconfig } from '../../support/doctor-fixes.js';

// `irsactl doctor` on a mixed cluster (IRSA and EKS Pod Identity) through the real CLI entry against the sandbox: moto
// behind the proxy (which serves Pod Identity, the add-ons and EKS Auth), and the Kubernetes test server, whose pod
// identity webhook mutates pods at creation. Each case breaks one link of the Pod Identity chain as a person would
// (straight through IAM or EKS), checks the exact finding, runs the printed fix as printed, and runs the doctor again.

const REGION = 'us-west-2';
const CLUSTER = 'pi-doctor';
const e = useE2E(CLUSTER, { region: REGION, associate: true });
const exec = promisify(execFile);
let dir: string;
let kubeconfig: string;
let iam: IAMClient;
let eks: EKSClient;

interface Check {
  id: string;
  status: string;
  message: string;
  fix: string | null;
}
interface Report {
  serviceAccounts: { namespace: string; name: string; roleArn: string | null; mechanism: string; podIdentityAssociationId: string | null; checks: Check[]; healthy: boolean }[];
}

beforeAll(async () => {
  const clientOpts = { region: REGION, endpoint: e.sandbox.proxyUrl, credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey }, maxAttempts: 1 };
  iam = new IAMClient(clientOpts);
  eks = new EKSClient(clientOpts);
  dir = mkdtempSync(join(tmpdir(), 'irsactl-pi-doctor-'));
  kubeconfig = await sandboxKubeconfig(e, CLUSTER, REGION, dir);
});
afterAll(() => {
  iam?.destroy();
  eks?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const POD_TRUST = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
const irsaTrust = (ns: string, sa: string) => {
  const hp = e.cluster.issuer.replace(/^https:\/\//, '');
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${e.account.accountId}:oidc-provider/${hp}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${hp}:sub`]: `system:serviceaccount:${ns}:${sa}`, [`${hp}:aud`]: 'sts.amazonaws.com' } },
      },
    ],
  };
};

async function role(name: string, trust: unknown = POD_TRUST): Promise<string> {
  return (await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!.Arn!;
}

function serviceAccount(ns: string, name: string, roleArn?: string): void {
  e.cluster.kube.putServiceAccount({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, annotations: roleArn !== undefined ? { 'eks.amazonaws.com/role-arn': roleArn } : {} } });
}

async function associate(ns: string, sa: string, roleArn: string, extra: { targetRoleArn?: string } = {}): Promise<string> {
  const out = await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: CLUSTER, namespace: ns, serviceAccount: sa, roleArn, ...extra }));
  return out.association!.associationId!;
}

/** A pod as a client creates it: the webhook mutates it from what EKS and the ServiceAccount say now. */
const createPod = (ns: string, name: string, sa: string) =>
  e.cluster.kube.createPod({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { serviceAccountName: sa, containers: [{ name: 'app', image: 'app' }] } });

async function doctor(args: string[], cluster = CLUSTER): Promise<{ code: number; report: Report; checks: (i?: number) => Record<string, Check>; stderr: string }> {
  const r = await e.run(['doctor', '--cluster', cluster, '--region', REGION, ...args, '-o', 'json']);
  if (r.stdout === '') throw new Error(`doctor printed nothing (exit ${r.code}): ${r.stderr}`);
  const report = JSON.parse(r.stdout) as Report;
  return { code: r.code, report, stderr: r.stderr, checks: (i = 0) => Object.fromEntries((report.serviceAccounts[i]?.checks ?? []).map((c) => [c.id, c])) };
}

/** The commands in a fix, in order; single-quoted arguments (JSON policies) kept whole. */
function commandsOf(fix: string): string[] {
  const quoted: string[] = [];
  const masked = fix.replace(/'[^']*'/g, (q) => `\u0000${quoted.push(q) - 1}\u0000`);
  return [...masked.matchAll(/(?:^|[\s`:(])((?:aws|kubectl|irsactl) [^`,;]*?)(?=`|, |; |,$| then |\)|$)/g)].map((m) => m[1]!.trim().replace(/\u0000(\d+)\u0000/g, (_, n: string) => quoted[Number(n)]!));
}

const runFix = (line: string) => runPrintedCommand(e, line, { kubeconfig, dir, region: REGION });

describe('doctor on a mixed cluster (sandbox)', () => {
  it('an association shadows the annotation: the mechanism is Pod Identity, named with both roles; pods from before it are listed with their restart', async () => {
    const irsaRole = await role('mixed-irsa', irsaTrust('mixed', 'app'));
    const podRole = await role('mixed-pod');
    serviceAccount('mixed', 'app', irsaRole);
    createPod('mixed', 'app-before', 'app');
    const id = await associate('mixed', 'app', podRole);
    createPod('mixed', 'app-after', 'app');

    const d = await doctor(['--namespace', 'mixed']);
    expect(d.code).toBe(1);
    const sa = d.report.serviceAccounts[0]!;
    expect(sa).toMatchObject({ namespace: 'mixed', name: 'app', roleArn: irsaRole, mechanism: 'pod-identity', podIdentityAssociationId: id, healthy: false });
    const c = d.checks();
    expect(c.mechanism).toMatchObject({ status: 'warn' });
    expect(c.mechanism!.message).toBe(
      `Pod Identity: association ${id} gives role ${podRole}, not ${irsaRole} of the eks.amazonaws.com/role-arn annotation, which the association shadows: pods get ${podRole}`,
    );
    expect(c['pod-identity-pods']).toMatchObject({ status: 'fail' });
    expect(c['pod-identity-pods']!.message).toContain('1 pod(s) without AWS_CONTAINER_CREDENTIALS_FULL_URI or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, so started before the association');
    expect(c['pod-identity-pods']!.message).toContain("1 of them still have IRSA's AWS_ROLE_ARN: app-before");
    expect(c['pod-identity-pods']!.fix).toContain('kubectl delete pod -n mixed app-before');
    // The shadowed IRSA chain is still checked (the way back), and is healthy here.
    expect(c['trust-policy']).toMatchObject({ status: 'pass' });
    expect(c.pods).toBeUndefined();
    for (const id of ['pod-identity-association', 'pod-identity-trust', 'pod-identity-agent']) expect(c[id]?.status, id).toBe('pass');

    // The printed restart clears the pods check; removing the annotation clears the warning.
    await runFix(commandsOf(c['pod-identity-pods']!.fix!).find((x) => x.startsWith('kubectl delete pod'))!);
    const removeAnnotation = commandsOf(c.mechanism!.fix!)[0]!;
    expect(removeAnnotation).toBe('kubectl annotate serviceaccount -n mixed app eks.amazonaws.com/role-arn-');
    await runFix(removeAnnotation);
    const after = await doctor(['--namespace', 'mixed']);
    expect(after.code, JSON.stringify(after.report)).toBe(0);
    expect(after.checks().mechanism).toMatchObject({ status: 'pass', message: `Pod Identity: association ${id} gives role ${podRole}` });
    expect(after.checks()['pod-identity-pods']).toMatchObject({ status: 'pass' });
    // Without an annotation, no IRSA check is run.
    expect(Object.keys(after.checks())).toEqual(['mechanism', 'pod-identity-association', 'pod-identity-trust', 'pod-identity-agent', 'pod-identity-pods', 'pod-identity-live']);
  });

  it('a cluster-wide run covers the ServiceAccounts that only have an association, and those that are only annotated', async () => {
    serviceAccount('irsaonly', 'app', await role('irsaonly-role', irsaTrust('irsaonly', 'app')));
    serviceAccount('irsaonly', 'plain');
    serviceAccount('pionly', 'app');
    await associate('pionly', 'app', await role('pionly-role'));
    const d = await doctor([]);
    const byId = Object.fromEntries(d.report.serviceAccounts.map((s) => [`${s.namespace}/${s.name}`, s.mechanism]));
    expect(byId).toMatchObject({ 'mixed/app': 'pod-identity', 'irsaonly/app': 'irsa', 'pionly/app': 'pod-identity' });
    // neither annotated nor associated: not examined
    expect(byId['irsaonly/plain']).toBeUndefined();
    const text = await e.run(['doctor', '--cluster', CLUSTER, '--region', REGION, '--namespace', 'mixed']);
    expect(text.stdout).toMatch(/^mixed\/app \[Pod Identity a-[a-z0-9]{17}\]$/m);
  });
});

describe('associations that cannot be read (sandbox)', () => {
  it('ListPodIdentityAssociations denied: the mechanism is unknown (a warning with the permission), the IRSA chain is still checked', async () => {
    const arn = await role('denied-irsa', irsaTrust('denied', 'app'));
    serviceAccount('denied', 'app', arn);
    e.sandbox.proxy.setFaultInjector(({ service, action }) =>
      service === 'eks' && action === 'ListPodIdentityAssociations'
        ? { status: 403, headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' }, body: JSON.stringify({ message: 'User is not authorized to perform: eks:ListPodIdentityAssociations' }) }
        : 'pass',
    );
    try {
      const d = await doctor(['--namespace', 'denied']);
      expect(d.code, d.stderr).toBe(0);
      expect(d.report.serviceAccounts[0]).toMatchObject({ name: 'app', mechanism: 'unknown', podIdentityAssociationId: null });
      expect(d.checks().mechanism).toMatchObject({ status: 'warn', fix: 'allow eks:ListPodIdentityAssociations and eks:DescribePodIdentityAssociation on the cluster, and run the doctor again' });
      expect(d.checks().mechanism!.message).toContain('eks:ListPodIdentityAssociations');
      expect(d.checks()['trust-policy']).toMatchObject({ status: 'pass' });
      expect(d.stderr).toContain("could not list the cluster's pod identity associations");
    } finally {
      e.sandbox.proxy.setFaultInjector(undefined);
    }
  });
});

describe('each broken link of the Pod Identity chain, and its fix (sandbox)', () => {
  it('the role was deleted: the printed create-role makes it again', async () => {
    const arn = await role('gone-role');
    serviceAccount('gone', 'app');
    const id = await associate('gone', 'app', arn);
    await iam.send(new DeleteRoleCommand({ RoleName: 'gone-role' }));
    const c = (await doctor(['--namespace', 'gone', '--name', 'app'])).checks();
    expect(c['pod-identity-association']).toMatchObject({ status: 'fail', message: `association ${id} names role gone-role, which does not exist in account ${e.account.accountId}: pods get no credentials` });
    expect(c['pod-identity-trust']).toMatchObject({ status: 'skip' });
    const create = commandsOf(c['pod-identity-association']!.fix!)[0]!;
    expect(create).toMatch(/^aws iam create-role --role-name gone-role --assume-role-policy-document '/);
    await runFix(create);
    const after = await doctor(['--namespace', 'gone', '--name', 'app']);
    expect(after.checks()['pod-identity-association']).toMatchObject({ status: 'pass' });
    expect(after.checks()['pod-identity-trust']).toMatchObject({ status: 'pass' });
  });

  it('the role trusts pods.eks.amazonaws.com for sts:AssumeRole only: the printed update-assume-role-policy adds sts:TagSession', async () => {
    const arn = await role('notag-role');
    serviceAccount('notag', 'app');
    await associate('notag', 'app', arn);
    const onlyAssume = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'notag-role', PolicyDocument: JSON.stringify(onlyAssume) }));
    const d = await doctor(['--namespace', 'notag', '--name', 'app']);
    expect(d.code).toBe(1);
    const c = d.checks();
    expect(c['pod-identity-trust']).toMatchObject({
      status: 'fail',
      message: "role notag-role's trust policy: no Allow statement grants pods.eks.amazonaws.com sts:TagSession, so EKS cannot give pods its credentials",
    });
    const fix = commandsOf(c['pod-identity-trust']!.fix!)[0]!;
    expect(fix).toMatch(/^aws iam update-assume-role-policy --role-name notag-role --policy-document '/);
    await runFix(fix);
    const after = await doctor(['--namespace', 'notag', '--name', 'app']);
    expect(after.checks()['pod-identity-trust']).toMatchObject({ status: 'pass' });
    expect(after.code).toBe(0);
  });

  it("a target role that does not trust the association's role with its external id: the printed statement makes it", async () => {
    const source = await role('chain-source');
    const target = await role('chain-target', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: source }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { StringEquals: { 'sts:ExternalId': 'not-the-one' } } }] });
    serviceAccount('chain', 'app');
    await associate('chain', 'app', source, { targetRoleArn: target });
    const externalId = e.sandbox.proxy.eks.associations({ accountId: e.account.accountId, region: REGION, name: CLUSTER }).find((a) => a.namespace === 'chain')!.externalId!;
    const c = (await doctor(['--namespace', 'chain', '--name', 'app'])).checks();
    expect(c['pod-identity-target-role']).toMatchObject({
      status: 'fail',
      message: `target role chain-target's trust policy: no Allow statement grants ${source} sts:AssumeRole and sts:TagSession (its sts:ExternalId must be the association's, ${externalId}), so EKS cannot chain into it`,
    });
    const fix = commandsOf(c['pod-identity-target-role']!.fix!)[0]!;
    expect(fix).toContain(externalId);
    await runFix(fix);
    const after = await doctor(['--namespace', 'chain', '--name', 'app']);
    expect(after.checks()['pod-identity-target-role']).toMatchObject({ status: 'pass', message: `target role chain-target trusts ${source} for sts:AssumeRole and sts:TagSession, with the association's external id` });
  });
});

describe('the Pod Identity agent (sandbox)', () => {
  it('missing: the printed create-addon installs it; in Auto Mode it is built in and not required', async () => {
    const name = 'pi-noagent';
    await e.sandbox.createCluster(e.account, name, REGION);
    const key = { accountId: e.account.accountId, region: REGION, name };
    const arn = await role('noagent-role');
    await eks.send(new CreatePodIdentityAssociationCommand({ clusterName: name, namespace: 'apps', serviceAccount: 'app', roleArn: arn }));
    e.sandbox.proxy.eks.removeAddon(key, 'eks-pod-identity-agent');
    const d = await doctor(['--namespace', 'apps'], name);
    expect(d.code).toBe(1);
    const c = d.checks();
    expect(c['pod-identity-agent']).toMatchObject({
      status: 'fail',
      message: 'no Pod Identity agent: the cluster is not in EKS Auto Mode and has no eks-pod-identity-agent add-on, so pods cannot fetch the association\'s credentials',
      fix: `aws eks create-addon --cluster-name ${name} --addon-name eks-pod-identity-agent --region ${REGION}`,
    });
    // The ServiceAccount was never made: the association is still examined, and says so.
    expect(c['pod-identity-association']).toMatchObject({ status: 'warn', fix: 'kubectl create serviceaccount -n apps app' });

    e.sandbox.proxy.eks.setAutoMode(key, true);
    expect((await doctor(['--namespace', 'apps'], name)).checks()['pod-identity-agent']).toMatchObject({ status: 'pass', message: 'EKS Auto Mode: the Pod Identity agent is built in, no add-on needed' });
    e.sandbox.proxy.eks.setAutoMode(key, false);

    await runFix(c['pod-identity-agent']!.fix!);
    expect((await doctor(['--namespace', 'apps'], name)).checks()['pod-identity-agent']).toMatchObject({ status: 'pass', message: 'the eks-pod-identity-agent add-on (v1.3.10-eksbuild.2) is ACTIVE' });
  });
});

describe('doctor --live for Pod Identity (sandbox EKS Auth)', () => {
  it('exchanges a TokenRequest for pods.eks.amazonaws.com through AssumeRoleForPodIdentity and reports the assumed role', async () => {
    const arn = await role('live-role');
    serviceAccount('live', 'app');
    const id = await associate('live', 'app', arn);
    e.sandbox.proxy.resetLog();
    const d = await doctor(['--namespace', 'live', '--name', 'app', '--live']);
    expect(d.code, d.stderr).toBe(0);
    const live = d.checks()['pod-identity-live']!;
    expect(live.status).toBe('pass');
    expect(live.message).toMatch(new RegExp(`^a token for live/app assumed arn:aws:sts::${e.account.accountId}:assumed-role/live-role/eks-${CLUSTER}-app-[^ ]+ \\(association ${id}\\)$`));
    expect(e.sandbox.proxy.count('eks-auth', 'AssumeRoleForPodIdentity')).toBe(1);
    // read-only: no write of any kind
    expect(e.sandbox.proxy.requests.filter((q) => /^(Create|Update|Delete|Put|Attach|Tag)/.test(q.action))).toEqual([]);
  });

  it('the built binary (bin/irsactl.js, as users run it) signs and sends the EKS Auth call too', async () => {
    ensureBuilt();
    const r = await runBin(['doctor', '--cluster', CLUSTER, '--region', REGION, '--namespace', 'live', '--name', 'app', '--live', '-o', 'json'], e.env);
    expect(r.code, r.stderr).toBe(0);
    const live = (JSON.parse(r.stdout) as Report).serviceAccounts[0]!.checks.find((c) => c.id === 'pod-identity-live');
    expect(live).toMatchObject({ status: 'pass' });
  });

  it("from a ClusterConfig file: its podIdentityAssociations' ServiceAccounts are examined as its iamserviceaccounts are", async () => {
    const file = ['apiVersion: eksctl.io/v1alpha5', 'kind: ClusterConfig', `metadata: {name: ${CLUSTER}, region: ${REGION}}`, 'iam:', '  podIdentityAssociations:', '  - {namespace: live, serviceAccountName: app, roleARN: "arn:aws:iam::' + e.account.accountId + ':role/live-role"}', ''].join('\n');
    const r = await e.run(['doctor', '-f', '-', '-o', 'json'], { stdin: file });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.serviceAccounts.map((s) => [`${s.namespace}/${s.name}`, s.mechanism])).toEqual([['live/app', 'pod-identity']]);
  });

  it('a role that no longer trusts Pod Identity: EKS Auth refuses, and the trust check names the fix', async () => {
    const arn = await role('live-broken');
    serviceAccount('livebroken', 'app');
    await associate('livebroken', 'app', arn);
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'live-broken', PolicyDocument: JSON.stringify(irsaTrust('livebroken', 'app')) }));
    const d = await doctor(['--namespace', 'livebroken', '--name', 'app', '--live']);
    expect(d.code).toBe(1);
    expect(d.checks()['pod-identity-trust']).toMatchObject({ status: 'fail' });
    expect(d.checks()['pod-identity-live']!.status).toBe('fail');
    expect(d.checks()['pod-identity-live']!.message).toMatch(/^EKS Auth AssumeRoleForPodIdentity with a token for livebroken\/app failed: AssumeRoleForPodIdentity failed: EKS cannot assume role .*Trust policy of the role provided is invalid/);
  });

  it('without RBAC for serviceaccounts/token: a warning that says so, with the Role to grant', async () => {
    e.cluster.kube.deny({ verb: 'create', resource: 'serviceaccounts/token', namespace: 'live' });
    try {
      const d = await doctor(['--namespace', 'live', '--name', 'app', '--live']);
      expect(d.code).toBe(0);
      expect(d.checks()['pod-identity-live']).toMatchObject({ status: 'warn', fix: 'grant it: kubectl create role irsactl-doctor -n live --verb=create --resource=serviceaccounts/token, and bind it to your identity' });
      expect(d.checks()['pod-identity-live']!.message).toMatch(/^skipped: requesting a token needs RBAC "create" on "serviceaccounts\/token" in namespace live/);
    } finally {
      e.cluster.kube.deny();
    }
  });

  it("the sandbox's EKS Auth speaks the model's protocol: the real aws CLI v1 gets the same answer", async () => {
    // A token as TokenRequest makes it, through irsactl's own Kubernetes client would be circular: ask with kubectl.
    const { stdout: token } = await exec('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'create', 'token', '-n', 'live', 'app', '--audience', 'pods.eks.amazonaws.com'], { env: { PATH: process.env.PATH, HOME: dir } });
    const { stdout } = await exec('aws', ['eks-auth', 'assume-role-for-pod-identity', '--cluster-name', CLUSTER, '--token', token.trim(), '--endpoint-url', e.sandbox.proxyUrl, '--region', REGION, '--output', 'json'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...e.env },
    });
    const answer = JSON.parse(stdout) as Record<string, Record<string, string>>;
    expect(answer.subject).toEqual({ namespace: 'live', serviceAccount: 'app' });
    expect(answer.audience).toBe('pods.eks.amazonaws.com');
    expect(answer.assumedRoleUser!.arn).toMatch(/:assumed-role\/live-role\//);
    expect(Object.keys(answer.credentials!).sort()).toEqual(['accessKeyId', 'expiration', 'secretAccessKey', 'sessionToken']);
    // A token for another audience is refused as the model says (InvalidTokenException).
    const { stdout: sts } = await exec('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'create', 'token', '-n', 'live', 'app', '--audience', 'sts.amazonaws.com'], { env: { PATH: process.env.PATH, HOME: dir } });
    const refused = await exec('aws', ['eks-auth', 'assume-role-for-pod-identity', '--cluster-name', CLUSTER, '--token', sts.trim(), '--endpoint-url', e.sandbox.proxyUrl, '--region', REGION], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...e.env },
    }).catch((err: { stderr: string }) => err);
    expect((refused as { stderr: string }).stderr).toMatch(/InvalidTokenException.*audience/);
  });
});
