/**
 * Issue 12: every fix the doctor prints is a command that, when run, fixes what it found. Each case breaks one link
 * as a person would (straight through IAM, or with kubectl), takes the fix the doctor prints, runs it as printed
 * (parsed by sh; irsactl in-process, kubectl and the aws CLI for real against the sandbox), and runs the doctor again.
 * Placeholders the doctor cannot know (a policy to attach) are filled in, and only those.
 */
import { DeleteOpenIDConnectProviderCommand, DeleteRoleCommand, DetachRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from '../../support/cli.js';
import { motoUrl } from '../../support/aws.js';
import { runPrintedCommand, sandboxKubeconfig } from '../../support/doctor-fixes.js';

const CLUSTER = 'fixes';
const REGION = 'eu-west-3';
const S3 = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const POLICY_PLACEHOLDER = '<policy ARN>';
const run = promisify(execFile);
let e: E2E;
let iam: IAMClient;
let dir: string;
let kubeconfig: string;

/** Every `irsactl …`, `kubectl …` or `aws …` command in a fix, in order (a fix may chain several with "then"). */
function commandsIn(fix: string): string[] {
  // Words around a command are dropped: "(the default is …)" after it, and "kubectl rollout restart the Deployment …
  // that owns them", which is advice in words beside the command to run.
  return [...fix.matchAll(/`?((?:irsactl|kubectl|aws) [^`,]*?)(?:`|, then |$|,\s)/g)].map((m) => m[1]!.replace(/ \(.*$/, '').trim()).filter((c) => !/ the /.test(c));
}

async function runFix(line: string): Promise<void> {
  await runPrintedCommand(e, line, { kubeconfig, dir, region: REGION, fill: { [POLICY_PLACEHOLDER]: S3 } });
}

type Checks = Record<string, { status: string; fix: string | null }>;
async function doctor(name: string): Promise<Checks> {
  const out = await e.run(['doctor', '--cluster', CLUSTER, '--namespace', 'apps', '--name', name, '-o', 'json']);
  const checks = (JSON.parse(out.stdout) as { serviceAccounts: { checks: { id: string; status: string; fix: string | null }[] }[] }).serviceAccounts[0]!.checks;
  return Object.fromEntries(checks.map((c) => [c.id, c]));
}

/** The doctor fails `check`; its fix, run as printed, makes the check pass. */
async function fixedByItsOwnFix(name: string, check: string, expectAfter: string[] = ['pass']): Promise<string[]> {
  const before = await doctor(name);
  expect(before[check]?.status, JSON.stringify(before[check])).toBe('fail');
  const commands = commandsIn(before[check]!.fix!);
  expect(commands.length, before[check]!.fix!).toBeGreaterThan(0);
  for (const c of commands) await runFix(c);
  const after = await doctor(name);
  expect(expectAfter, `${check} after ${commands.join(' ; ')}: ${JSON.stringify(after[check])}`).toContain(after[check]?.status);
  return commands;
}

const create = async (name: string) => {
  const r = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', name, '--attach-policy-arn', S3, '--approve']);
  expect(r.code, r.stderr).toBe(0);
};
const roleOf = async (name: string): Promise<string> =>
  (JSON.parse((await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--name', name, '-o', 'json'])).stdout) as { status: { roleARN: string } }[])[0]!.status.roleARN;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  await e.associate();
  iam = new IAMClient({ region: REGION, endpoint: motoUrl(), credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey } });
  dir = mkdtempSync(join(tmpdir(), 'irsactl-fixes-'));
  kubeconfig = await sandboxKubeconfig(e, CLUSTER, REGION, dir);
}, 60_000);
afterAll(async () => {
  iam?.destroy();
  await e?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the doctor's fixes fix what it found", () => {
  it('a ServiceAccount that does not exist: the printed create (policy filled in) makes it', async () => {
    e.cluster.kube.putNamespace('apps');
    const cmds = await fixedByItsOwnFix('missing', 'service-account');
    expect(cmds[0]).toMatch(/^irsactl create iamserviceaccount /);
  });

  it('a webhook annotation with a wrong audience: the printed kubectl annotate removes it', async () => {
    await create('aud');
    // asynchronously: the Kubernetes test server answers from this process
    await run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), 'annotate', 'serviceaccount', '-n', 'apps', 'aud', 'eks.amazonaws.com/audience=example.com'], { env: { PATH: process.env.PATH, HOME: dir } });
    const cmds = await fixedByItsOwnFix('aud', 'webhook-annotations');
    expect(cmds[0]).toMatch(/^kubectl annotate serviceaccount -n apps aud eks\.amazonaws\.com\/audience-$/);
  });

  it('a role deleted outside CloudFormation: the printed delete, then create, replaces it', async () => {
    await create('gone');
    const roleName = (await roleOf('gone')).split('/').pop()!;
    for (const p of (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ?? []) {
      await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: p.PolicyArn }));
    }
    await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
    const cmds = await fixedByItsOwnFix('gone', 'service-account');
    expect(cmds.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['irsactl delete', 'irsactl create']);
    expect((await roleOf('gone')).split('/').pop()).not.toBe(roleName);
  });

  it('pods still on the old role: the printed kubectl delete pod clears them', async () => {
    await create('pods');
    e.cluster.kube.putPod({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pods-old-1', namespace: 'apps' },
      spec: {
        serviceAccountName: 'pods',
        containers: [{ name: 'app', image: 'app', env: [{ name: 'AWS_ROLE_ARN', value: 'arn:aws:iam::123456789012:role/old' }, { name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/eks.amazonaws.com/serviceaccount/token' }] }],
      },
    });
    const cmds = await fixedByItsOwnFix('pods', 'pods', ['pass', 'skip']);
    expect(cmds).toContain('kubectl delete pod -n apps pods-old-1');
  });

  it('a missing OIDC provider: the printed associate command creates it (last: every check above needs the provider)', async () => {
    const arn = `arn:aws:iam::${e.account.accountId}:oidc-provider/${e.cluster.issuer.replace(/^https:\/\//, '')}`;
    await iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }));
    const cmds = await fixedByItsOwnFix('aud', 'oidc-provider');
    expect(cmds[0]).toMatch(/^irsactl utils associate-iam-oidc-provider /);
  });
});
