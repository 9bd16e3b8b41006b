import { CreateOpenIDConnectProviderCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/main.js';
import type { Io } from '../../../src/output/io.js';
import { startSandbox, type MotoAccount, type Sandbox, type SandboxCluster } from '../../../sandbox/index.js';
import { motoUrl } from '../../support/aws.js';

/**
 * `irsactl doctor` through the real CLI entry against moto + the Kubernetes test server.
 * Each scenario gets its own moto account and cluster and is broken in exactly one way.
 */

const REGION = 'us-west-2';
const TOKEN_FILE = '/var/run/secrets/eks.amazonaws.com/serviceaccount/token';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

interface JsonCheck {
  id: string;
  status: string;
  message: string;
  fix: string | null;
}
interface JsonReport {
  cluster: string;
  region: string;
  serviceAccounts: { namespace: string; name: string; roleArn: string | null; checks: JsonCheck[]; healthy: boolean }[];
  summary: { total: number; healthy: number; withProblems: number; warnings: number };
}

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ moto: { url: motoUrl() } });
});
afterAll(async () => {
  await sandbox?.stop();
});

interface World {
  account: MotoAccount;
  cluster: SandboxCluster;
  /** host/path of the cluster's issuer */
  hp: string;
  iam: IAMClient;
  run(args: string[]): Promise<Run>;
  providerArn: string;
}

let clusterCounter = 0;
async function world(opts: { provider?: boolean } = {}): Promise<World> {
  const account = await sandbox.newAccount();
  const cluster = await sandbox.createCluster(account, `doc-${++clusterCounter}`, REGION);
  const hp = cluster.issuer.replace(/^https:\/\//, '');
  const iam = iamFor(account);
  if (opts.provider !== false) {
    await iam.send(new CreateOpenIDConnectProviderCommand({ Url: cluster.issuer, ClientIDList: ['sts.amazonaws.com'] }));
  }
  const env = sandbox.cliEnv(account, REGION);
  return {
    account,
    cluster,
    hp,
    iam,
    providerArn: `arn:aws:iam::${account.accountId}:oidc-provider/${hp}`,
    async run(args) {
      let stdout = '';
      let stderr = '';
      const io: Io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env, stderrIsTTY: false };
      const code = await main(['doctor', '--cluster', cluster.cluster, ...args], io);
      return { code, stdout, stderr };
    },
  };
}

function iamFor(account: MotoAccount): IAMClient {
  return new IAMClient({
    region: 'us-east-1',
    endpoint: motoUrl(),
    credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
    maxAttempts: 1,
  });
}

function trust(providerArn: string, condition: Record<string, Record<string, string | string[]>>): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: providerArn }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition }],
  });
}

const goodTrust = (w: World, ns: string, name: string) =>
  trust(w.providerArn, { StringEquals: { [`${w.hp}:sub`]: `system:serviceaccount:${ns}:${name}`, [`${w.hp}:aud`]: 'sts.amazonaws.com' } });

async function createRole(iam: IAMClient, name: string, trustPolicy: string): Promise<string> {
  const out = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustPolicy }));
  return out.Role?.Arn ?? '';
}

function putSa(w: World, ns: string, name: string, roleArn: string, extra: Record<string, string> = {}): void {
  w.cluster.kube.putServiceAccount({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns, annotations: { 'eks.amazonaws.com/role-arn': roleArn, ...extra } } });
}

/** A pod as the pod identity webhook leaves it (injected: false → as created without the webhook). */
function putPod(w: World, ns: string, pod: string, sa: string, opts: { roleArn?: string; injected?: boolean } = {}): void {
  const injected = opts.injected !== false;
  w.cluster.kube.putPod({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod, namespace: ns },
    spec: {
      serviceAccountName: sa,
      containers: [
        {
          name: 'app',
          image: 'public.ecr.aws/docker/library/busybox:latest',
          env: injected
            ? [
                { name: 'AWS_ROLE_ARN', value: opts.roleArn ?? '' },
                { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: TOKEN_FILE },
              ]
            : [],
          volumeMounts: injected ? [{ name: 'aws-iam-token', mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount', readOnly: true }] : [],
        },
      ],
      volumes: injected
        ? [{ name: 'aws-iam-token', projected: { sources: [{ serviceAccountToken: { audience: 'sts.amazonaws.com', expirationSeconds: 86400, path: 'token' } }] } }]
        : [],
    },
  });
}

async function doctorJson(w: World, args: string[]): Promise<{ run: Run; report: JsonReport; checks: Record<string, JsonCheck> }> {
  const run = await w.run([...args, '-o', 'json']);
  if (run.stdout === '') throw new Error(`doctor printed nothing (exit ${run.code}): ${run.stderr}`);
  const report = JSON.parse(run.stdout) as JsonReport;
  const checks = Object.fromEntries((report.serviceAccounts[0]?.checks ?? []).map((c) => [c.id, c]));
  return { run, report, checks };
}

/** Every check but `except` passed (live is skipped unless asked): the scenario is broken in one way only. */
function expectOthersPass(checks: Record<string, JsonCheck>, except: string[], skipped: string[] = ['live']): void {
  for (const [id, c] of Object.entries(checks)) {
    if (except.includes(id)) continue;
    expect({ id, status: c.status }).toEqual({ id, status: skipped.includes(id) ? 'skip' : 'pass' });
  }
}

/** team-a/reader with a role that trusts it, team-b/writer with one that trusts someone else. */
async function twoTeams(): Promise<{ w: World; good: string; bad: string }> {
  const w = await world();
  const good = await createRole(w.iam, 'good', goodTrust(w, 'team-a', 'reader'));
  const bad = await createRole(w.iam, 'bad', goodTrust(w, 'team-a', 'someone-else'));
  putSa(w, 'team-a', 'reader', good);
  putSa(w, 'team-b', 'writer', bad);
  return { w, good, bad };
}

describe('irsactl doctor against the sandbox', () => {
  it('a healthy setup passes every check, including --live', async () => {
    const w = await world();
    const roleArn = await createRole(w.iam, 'healthy-role', goodTrust(w, 'default', 's3-reader'));
    putSa(w, 'default', 's3-reader', roleArn);
    putPod(w, 'default', 's3-reader-7d9f', 's3-reader', { roleArn });

    const { run, report, checks } = await doctorJson(w, ['--namespace', 'default', '--name', 's3-reader', '--live']);
    expect(run.code).toBe(0);
    expectOthersPass(checks, [], []);
    // moto's AssumeRoleWithWebIdentity does not validate the token (any token and trust pass), so this
    // proves the wiring — TokenRequest minted by the Kubernetes server, STS called with the annotated role —
    // and that the session belongs to exactly that role.
    expect(checks.live.message).toBe(`a token for default/s3-reader assumed arn:aws:sts::${w.account.accountId}:assumed-role/healthy-role/irsactl-doctor`);
    expect(w.cluster.kube.requests.some((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/default/serviceaccounts/s3-reader/token')).toBe(true);
    expect(report).toMatchObject({ cluster: w.cluster.cluster, region: REGION, summary: { total: 1, healthy: 1, withProblems: 0, warnings: 0 } });
    expect(report.serviceAccounts[0]).toMatchObject({ namespace: 'default', name: 's3-reader', roleArn, healthy: true });

    const text = await w.run(['--namespace', 'default', '--name', 's3-reader', '--live']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`default/s3-reader → ${roleArn} [IRSA]\n  ✔ mechanism                IRSA: no Pod Identity association, so the annotation's role ${roleArn} is used\n  ✔ OIDC provider`);
    expect(text.stdout).toContain('  ✔ trust policy             statement 1 lets system:serviceaccount:default:s3-reader in (StringEquals sub, StringEquals aud)');
    expect(text.stdout.trimEnd().split('\n').at(-1)).toBe('1 service account: 1 healthy, 0 with problems');
  });

  it('no OIDC provider: names the issuer and the associate command', async () => {
    const w = await world({ provider: false });
    const roleArn = await createRole(w.iam, 'no-provider', goodTrust(w, 'default', 'app'));
    putSa(w, 'default', 'app', roleArn);
    const { run, checks } = await doctorJson(w, ['--name', 'app']);
    expect(run.code).toBe(1);
    expect(checks['oidc-provider']).toEqual({
      id: 'oidc-provider',
      status: 'fail',
      message: `no IAM OIDC provider for issuer ${w.hp} in account ${w.account.accountId}`,
      fix: `irsactl utils associate-iam-oidc-provider --cluster ${w.cluster.cluster} --region ${REGION} --approve`,
    });
    expectOthersPass(checks, ['oidc-provider'], ['live', 'pods']);
    expect(run.stderr).toContain('doctor found problems: 1 service account: 0 healthy, 1 with problems');
  });

  it('a provider for another issuer only: says so', async () => {
    const w = await world({ provider: false });
    const other = 'https://oidc.eks.eu-west-1.amazonaws.com/id/0THERCLUSTER';
    await w.iam.send(new CreateOpenIDConnectProviderCommand({ Url: other, ClientIDList: ['sts.amazonaws.com'] }));
    const roleArn = await createRole(w.iam, 'other-issuer', goodTrust(w, 'default', 'app'));
    putSa(w, 'default', 'app', roleArn);
    const { run, checks } = await doctorJson(w, ['--name', 'app']);
    expect(run.code).toBe(1);
    expect(checks['oidc-provider'].status).toBe('fail');
    expect(checks['oidc-provider'].message).toBe(
      `no IAM OIDC provider for issuer ${w.hp} in account ${w.account.accountId}; account ${w.account.accountId} has providers for other issuers only (oidc.eks.eu-west-1.amazonaws.com/id/0THERCLUSTER): a re-created cluster gets a new issuer`,
    );
    expect(checks['oidc-provider'].fix).toBe(`irsactl utils associate-iam-oidc-provider --cluster ${w.cluster.cluster} --region ${REGION} --approve`);
    expectOthersPass(checks, ['oidc-provider'], ['live', 'pods']);
  });

  it('role missing', async () => {
    const w = await world();
    const roleArn = `arn:aws:iam::${w.account.accountId}:role/deleted-role`;
    putSa(w, 'default', 'app', roleArn);
    const { run, checks } = await doctorJson(w, ['--name', 'app']);
    expect(run.code).toBe(1);
    expect(checks['service-account']).toMatchObject({
      status: 'fail',
      message: `the annotation names role deleted-role, which does not exist in account ${w.account.accountId}`,
    });
    expect(checks['service-account'].fix).toContain(`irsactl create iamserviceaccount --cluster ${w.cluster.cluster} --region ${REGION} --namespace default --name app`);
    expect(checks['trust-policy']).toMatchObject({ status: 'skip', message: 'not checked: there is no role to read' });
    expectOthersPass(checks, ['service-account', 'trust-policy'], ['live', 'pods']);
  });

  it('trust sub for another namespace', async () => {
    const w = await world();
    const roleArn = await createRole(w.iam, 'wrong-ns', goodTrust(w, 'staging', 'app'));
    putSa(w, 'prod', 'app', roleArn);
    const { run, checks } = await doctorJson(w, ['--namespace', 'prod', '--name', 'app']);
    expect(run.code).toBe(1);
    expect(checks['trust-policy']).toEqual({
      id: 'trust-policy',
      status: 'fail',
      message: `role wrong-ns does not trust system:serviceaccount:prod:app: statement 1 lets "system:serviceaccount:staging:app" in (${w.hp}:sub under StringEquals), not system:serviceaccount:prod:app`,
      fix: `set ${w.hp}:sub to "system:serviceaccount:prod:app" (or add it to the list): aws iam get-role --role-name wrong-ns --query Role.AssumeRolePolicyDocument --output json > trust.json, edit trust.json, then aws iam update-assume-role-policy --role-name wrong-ns --policy-document file://trust.json`,
    });
    expectOthersPass(checks, ['trust-policy'], ['live', 'pods']);
  });

  it('aud wrong', async () => {
    const w = await world();
    const roleArn = await createRole(
      w.iam,
      'wrong-aud',
      trust(w.providerArn, { StringEquals: { [`${w.hp}:sub`]: 'system:serviceaccount:default:app', [`${w.hp}:aud`]: 'sts.amazon.com' } }),
    );
    putSa(w, 'default', 'app', roleArn);
    const { run, checks } = await doctorJson(w, ['--name', 'app']);
    expect(run.code).toBe(1);
    expect(checks['trust-policy'].status).toBe('fail');
    expect(checks['trust-policy'].message).toBe(
      `role wrong-aud does not trust system:serviceaccount:default:app: statement 1 requires ${w.hp}:aud "sts.amazon.com", but the token's audience is "sts.amazonaws.com"`,
    );
    expect(checks['trust-policy'].fix).toMatch(new RegExp(`^set ${w.hp.replace(/[./]/g, '\\$&')}:aud to "sts\\.amazonaws\\.com": aws iam get-role --role-name wrong-aud .* then aws iam update-assume-role-policy --role-name wrong-aud`));
    expectOthersPass(checks, ['trust-policy'], ['live', 'pods']);
  });

  it('sub and aud swapped', async () => {
    const w = await world();
    const roleArn = await createRole(
      w.iam,
      'swapped',
      trust(w.providerArn, { StringEquals: { [`${w.hp}:sub`]: 'sts.amazonaws.com', [`${w.hp}:aud`]: 'system:serviceaccount:default:app' } }),
    );
    putSa(w, 'default', 'app', roleArn);
    const { run, checks } = await doctorJson(w, ['--name', 'app']);
    expect(run.code).toBe(1);
    expect(checks['trust-policy'].message).toBe(
      `role swapped does not trust system:serviceaccount:default:app: statement 1 has the sub and aud values swapped (${w.hp}:sub must be the ServiceAccount, ${w.hp}:aud must be sts.amazonaws.com)`,
    );
    expect(checks['trust-policy'].fix).toContain(`swap them: ${w.hp}:sub = "system:serviceaccount:default:app", ${w.hp}:aud = "sts.amazonaws.com"`);
    expectOthersPass(checks, ['trust-policy'], ['live', 'pods']);
  });

  it('a wildcard under StringEquals never matches', async () => {
    const w = await world();
    const roleArn = await createRole(
      w.iam,
      'wildcard',
      trust(w.providerArn, { StringEquals: { [`${w.hp}:sub`]: 'system:serviceaccount:default:*', [`${w.hp}:aud`]: 'sts.amazonaws.com' } }),
    );
    putSa(w, 'default', 'app', roleArn);
    const { run, checks } = await doctorJson(w, ['--name', 'app']);
    expect(run.code).toBe(1);
    expect(checks['trust-policy'].message).toBe(
      `role wildcard does not trust system:serviceaccount:default:app: statement 1 compares ${w.hp}:sub with "system:serviceaccount:default:*" under StringEquals, where * and ? are literal characters: it never matches (under StringLike it would match system:serviceaccount:default:app)`,
    );
    expect(checks['trust-policy'].fix).toContain(`move ${w.hp}:sub from StringEquals to StringLike`);
    expectOthersPass(checks, ['trust-policy'], ['live', 'pods']);
  });

  it('a role from another account without a provider there: cannot be verified from here, and says what to check', async () => {
    const w = await world();
    const other = await sandbox.newAccount();
    const otherProvider = `arn:aws:iam::${other.accountId}:oidc-provider/${w.hp}`;
    const roleArn = await createRole(
      iamFor(other),
      'cross-account',
      trust(otherProvider, { StringEquals: { [`${w.hp}:sub`]: 'system:serviceaccount:default:app', [`${w.hp}:aud`]: 'sts.amazonaws.com' } }),
    );
    expect(roleArn).toBe(`arn:aws:iam::${other.accountId}:role/cross-account`);
    putSa(w, 'default', 'app', roleArn);
    const { run, checks, report } = await doctorJson(w, ['--name', 'app']);
    // Warnings only: nothing proven broken from this account, so the exit code stays 0.
    expect(run.code).toBe(0);
    expect(checks['oidc-provider']).toEqual({
      id: 'oidc-provider',
      status: 'warn',
      message: `the role is in account ${other.accountId} and these credentials are for ${w.account.accountId}: cannot verify that ${otherProvider} exists (cross-account IRSA needs it in the role's account)`,
      fix: `in account ${other.accountId}: aws iam create-open-id-connect-provider --url ${w.cluster.issuer} --client-id-list sts.amazonaws.com`,
    });
    expect(checks['service-account'].status).toBe('warn');
    expect(checks['trust-policy']).toMatchObject({ status: 'skip' });
    expect(report.summary).toEqual({ total: 1, healthy: 1, withProblems: 0, warnings: 2 });
  });

  it('stale annotation: pods still on the old role are listed with the restart fix', async () => {
    const w = await world();
    const oldArn = await createRole(w.iam, 'old-role', goodTrust(w, 'default', 'app'));
    const newArn = await createRole(w.iam, 'new-role', goodTrust(w, 'default', 'app'));
    putSa(w, 'default', 'app', newArn);
    putPod(w, 'default', 'app-1', 'app', { roleArn: oldArn });
    putPod(w, 'default', 'app-2', 'app', { roleArn: oldArn });
    putPod(w, 'default', 'app-3', 'app', { roleArn: newArn });
    putPod(w, 'default', 'unrelated', 'other-sa', { injected: false });
    const { run, checks } = await doctorJson(w, ['--name', 'app']);
    expect(run.code).toBe(1);
    expect(checks.pods).toEqual({
      id: 'pods',
      status: 'fail',
      message: `2 pod(s) still use the old role ${oldArn}, not ${newArn}: app-1, app-2`,
      fix: 'restart them: kubectl rollout restart the Deployment/StatefulSet/DaemonSet that owns them, or kubectl delete pod -n default app-1 app-2',
    });
    expectOthersPass(checks, ['pods']);
  });

  it('a pod without the injected variables: the webhook did not mutate it', async () => {
    const w = await world();
    const roleArn = await createRole(w.iam, 'not-injected', goodTrust(w, 'default', 'app'));
    putSa(w, 'default', 'app', roleArn);
    putPod(w, 'default', 'app-0', 'app', { injected: false });
    const { run, checks } = await doctorJson(w, ['--name', 'app']);
    expect(run.code).toBe(1);
    expect(checks.pods.status).toBe('fail');
    expect(checks.pods.message).toBe(
      '1 pod(s) without AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE or the projected token volume, so the pod identity webhook did not mutate them (created before the annotation, or the webhook is not running): app-0',
    );
    expect(checks.pods.fix).toBe('restart them: kubectl rollout restart the Deployment/StatefulSet/DaemonSet that owns them, or kubectl delete pod -n default app-0');
    expectOthersPass(checks, ['pods']);
  });

  it('without --name: every annotated ServiceAccount, a text checklist per SA and a summary line', async () => {
    const { w, good, bad } = await twoTeams();
    w.cluster.kube.putServiceAccount({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'plain', namespace: 'team-a' } });

    const all = await w.run([]);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain(`team-a/reader → ${good} [IRSA]\n`);
    expect(all.stdout).toContain(`team-b/writer → ${bad} [IRSA]\n`);
    expect(all.stdout).not.toContain('team-a/plain');
    expect(all.stdout).toMatch(/  ✖ trust policy {13}role bad does not trust system:serviceaccount:team-b:writer: .*\n    → set .*:sub to "system:serviceaccount:team-b:writer"/);
    expect(all.stdout.trimEnd().split('\n').at(-1)).toBe('2 service accounts: 1 healthy, 1 with problems');

    const onlyA = await w.run(['--namespace', 'team-a']);
    expect(onlyA.code).toBe(0);
    expect(onlyA.stdout.trimEnd().split('\n').at(-1)).toBe('1 service account: 1 healthy, 0 with problems');
  });

  it('the ServiceAccount as the argument: NAME with -n, or NAMESPACE/NAME', async () => {
    const { w } = await twoTeams();

    for (const args of [['reader', '-n', 'team-a'], ['team-a/reader'], ['team-a/reader', '-n', 'team-a'], ['--name', 'reader', '--namespace', 'team-a']]) {
      const { run, report } = await doctorJson(w, args);
      expect(run.code, args.join(' ')).toBe(0);
      expect(report.serviceAccounts.map((s) => `${s.namespace}/${s.name}`)).toEqual(['team-a/reader']);
    }
    const writer = await doctorJson(w, ['team-b/writer']);
    expect(writer.run.code).toBe(1);
    expect(writer.report.serviceAccounts.map((s) => `${s.namespace}/${s.name}`)).toEqual(['team-b/writer']);

    const clash = await w.run(['team-a/reader', '-n', 'team-b']);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('--namespace: --namespace=team-b and argument team-a/reader cannot be used at the same time');
    const twice = await w.run(['reader', '--name', 'writer']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--name=writer and argument reader cannot be used at the same time');
  });

  it('--live without RBAC for serviceaccounts/token: a warning, not a failure', async () => {
    const w = await world();
    const roleArn = await createRole(w.iam, 'no-rbac', goodTrust(w, 'default', 'app'));
    putSa(w, 'default', 'app', roleArn);
    w.cluster.kube.setFaultInjector((req) =>
      req.method === 'POST' && req.path.endsWith('/serviceaccounts/app/token') ? { status: 403, reason: 'Forbidden', message: 'serviceaccounts "app" is forbidden' } : 'pass',
    );
    const { run, checks } = await doctorJson(w, ['--name', 'app', '--live']);
    expect(run.code).toBe(0);
    expect(checks.live.status).toBe('warn');
    expect(checks.live.message).toMatch(/^skipped: requesting a token needs RBAC "create" on "serviceaccounts\/token" in namespace default \(/);
    expect(checks.live.fix).toContain('kubectl create role irsactl-doctor -n default --verb=create --resource=serviceaccounts/token');
    expectOthersPass(checks, ['live'], ['pods']);
  });

  it('a ServiceAccount that does not exist', async () => {
    const w = await world();
    const { run, checks } = await doctorJson(w, ['--namespace', 'default', '--name', 'ghost']);
    expect(run.code).toBe(1);
    expect(checks['service-account']).toMatchObject({ status: 'fail', message: 'ServiceAccount default/ghost does not exist' });
  });
});
