import { IAMClient, DeleteRoleCommand, ListAttachedRolePoliciesCommand, DetachRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../../src/aws/factory.js';
import type { AwsPorts } from '../../../src/aws/ports.js';
import type { RuntimeOverrides } from '../../../src/runtime/runtime.js';
import { applyOneCommand, associateCommand, createCommand, deleteCommand, shellCommand, shellQuote } from '../../../src/model/suggested-commands.js';
import { motoUrl } from '../../support/aws.js';
import { startE2E, type E2E } from '../../support/cli.js';

/**
 * Issue 13 item 8: every command irsactl prints is safe to paste into a POSIX shell, and no hint sends the user
 * back into the failure it came from. A real shell (dash as sh, and bash) parses each printed command, with
 * irsactl, kubectl and aws defined as functions that print the argv they get; the fixes that are meant to repair
 * something are then run for real (irsactl itself, the aws CLI against moto) and the doctor is asked again.
 */

const SHELLS = ['sh', 'bash'];
const HOSTILE = ["my dir/it's $(touch pwned);`touch pwned2` | x & y > z.yaml", 'a b', "'", '"', '$HOME', '*', '~root', '=ls', '', '\\', 'tab\there', 'new\nline', 'ünï'];

/** What a shell hands the command: the printed line parsed by `shell`, run in `cwd` with the tools stubbed. */
function argvOf(commandLine: string, cwd: string, shell = 'sh'): string[] {
  const stubs = ['irsactl', 'kubectl', 'aws'].map((c) => `${c}() { printf '%s\\0' ${c} "$@"; }`).join('\n');
  const out = execFileSync(shell, ['-c', `${stubs}\n${commandLine}\n`], { cwd, encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'irsactl-hints-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const noSideEffects = () => {
  expect(existsSync(join(scratch, 'pwned'))).toBe(false);
  expect(existsSync(join(scratch, 'pwned2'))).toBe(false);
  expect(existsSync(join(scratch, 'z.yaml'))).toBe(false);
};

describe('shellQuote', () => {
  it.each(SHELLS)('%s gets back every argument exactly, whatever it holds', (shell) => {
    const argv = ['irsactl', ...HOSTILE];
    expect(argvOf(shellCommand(...argv), scratch, shell)).toEqual(argv);
    noSideEffects();
  });

  it('generated arguments survive sh unchanged (500 arguments in 25 commands)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 30 }).map((s) => s.replace(/\0/g, '')), { minLength: 1, maxLength: 20 }), (args) => {
        expect(argvOf(shellCommand('irsactl', ...args), scratch)).toEqual(['irsactl', ...args]);
      }),
      { numRuns: 25, seed: 13 },
    );
    noSideEffects();
  });

  it('leaves plain words readable', () => {
    expect(shellCommand('irsactl', 'apply', '-f', 'cluster.yaml', '--include', 'kube-system/aws-node', '--approve')).toBe('irsactl apply -f cluster.yaml --include kube-system/aws-node --approve');
    expect(shellQuote("it's")).toBe("'it'\\''s'");
  });
});

describe('each kind of printed command parses to the argv it names', () => {
  const path = HOSTILE[0]!;
  const t = { cluster: 'prod', region: 'us-west-2', namespace: 'default', name: 'app' };
  const cases: [string, string, string[]][] = [
    ['associate', associateCommand({ cluster: 'prod', region: 'us-west-2' }), ['irsactl', 'utils', 'associate-iam-oidc-provider', '--cluster', 'prod', '--region', 'us-west-2', '--approve']],
    ['create', createCommand(t, ['--override-existing-serviceaccounts']), ['irsactl', 'create', 'iamserviceaccount', '--cluster', 'prod', '--region', 'us-west-2', '--namespace', 'default', '--name', 'app', '--attach-policy-arn', '<policy ARN>', '--override-existing-serviceaccounts', '--approve']],
    ['delete', deleteCommand(t), ['irsactl', 'delete', 'iamserviceaccount', '--cluster', 'prod', '--region', 'us-west-2', '--namespace', 'default', '--name', 'app', '--wait']],
    ['apply one, from a hostile path', applyOneCommand(path, 'default/app'), ['irsactl', 'apply', '-f', path, '--include', 'default/app', '--approve']],
  ];
  it.each(cases)('%s', (_kind, line, argv) => {
    for (const shell of SHELLS) expect(argvOf(line, scratch, shell)).toEqual(argv);
    noSideEffects();
  });
});

/** Commands inside a hint are between backticks. */
const commandsIn = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);

describe('hints from real runs', () => {
  const CLUSTER = 'hints';
  const REGION = 'us-west-2';
  const S3 = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
  let e: E2E;
  let iam: IAMClient;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    e = await startE2E(CLUSTER, REGION);
    await e.associate();
    iam = new IAMClient({ region: REGION, endpoint: motoUrl(), credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey } });
    dir = join(scratch, "team's $(touch pwned) dir");
    mkdirSync(dir);
    file = join(dir, 'cluster; rm -rf x.yaml');
    writeFileSync(file, `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: ${CLUSTER}, region: ${REGION}}\niam:\n  withOIDC: true\n  serviceAccounts:\n  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n`);
    const created = await e.run(['create', 'iamserviceaccount', '-f', file, '--approve']);
    expect(created.code, created.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    iam?.destroy();
    await e?.stop();
  });

  /** The real CloudFormation adapter, with this stack's status replaced (moto cannot make these statuses). */
  function withStatus(status: string): RuntimeOverrides {
    const stackName = `eksctl-${CLUSTER}-addon-iamserviceaccount-default-app`;
    const patch = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(patch) : v !== null && typeof v === 'object' && (v as { stackName?: string }).stackName === stackName ? { ...v, status } : v;
    return {
      awsPorts: async (opts) => {
        const real: AwsPorts = await createAwsPorts({ region: opts.region, profile: opts.profile, env: e.env });
        const cfn = new Proxy(real.cfn, {
          get: (target, prop, receiver) => {
            const value: unknown = Reflect.get(target, prop, receiver);
            return typeof value === 'function' ? async (...args: unknown[]) => patch(await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) : value;
          },
        });
        return { ...real, cfn };
      },
    };
  }

  it('a stack whose creation failed: create points to apply on the same (hostile) file path, quoted', async () => {
    const out = await e.run(['create', 'iamserviceaccount', '-f', file, '--approve'], { overrides: withStatus('ROLLBACK_COMPLETE') });
    expect(out.code).toBe(1);
    const [cmd] = commandsIn(out.stderr);
    expect(cmd, out.stderr).toBeDefined();
    expect(argvOf(cmd!, scratch)).toEqual(['irsactl', 'apply', '-f', file, '--include', 'default/app', '--approve']);
    noSideEffects();
  });

  it('apply blocked by a stack it cannot replace is not told to run apply', async () => {
    const out = await e.run(['apply', '-f', file, '--approve'], { overrides: withStatus('UPDATE_ROLLBACK_FAILED') });
    expect(out.code).toBe(1);
    const cmds = commandsIn(out.stderr);
    expect(cmds.some((c) => argvOf(c, scratch)[1] === 'apply'), out.stderr).toBe(false);
    expect(cmds.map((c) => argvOf(c, scratch))).toContainEqual(['aws', 'cloudformation', 'continue-update-rollback', '--stack-name', `eksctl-${CLUSTER}-addon-iamserviceaccount-default-app`, '--region', REGION]);
  });

  /** Runs a printed irsactl command for real (parsed by sh first), with the placeholder filled in. */
  async function runIrsactl(line: string): Promise<void> {
    const argv = argvOf(line, scratch).slice(1).map((a) => (a === '<policy ARN>' ? S3 : a));
    const out = await e.run(argv);
    expect(out.code, `${line}\n${out.stderr}`).toBe(0);
  }
  const doctor = async () => {
    const out = await e.run(['doctor', '--cluster', CLUSTER, '--region', REGION, '--namespace', 'default', '--name', 'app', '-o', 'json']);
    const checks = (JSON.parse(out.stdout) as { serviceAccounts: { checks: { id: string; status: string; fix: string | null }[] }[] }).serviceAccounts[0]!.checks;
    return Object.fromEntries(checks.map((c) => [c.id, c]));
  };

  it('doctor: a trust policy edited by hand on a stack role is fixed by the printed aws command, run with the real aws CLI', async () => {
    const roleName = (await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '-o', 'json'])).stdout.match(/role\/([^"]+)"/)?.[1];
    expect(roleName).toBeDefined();
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] }) }));
    const before = await doctor();
    expect(before['trust-policy']?.status).toBe('fail');
    const fix = before['trust-policy']!.fix!;
    expect(fix).not.toContain('irsactl update'); // the stack's template is unchanged: update would change nothing
    const line = fix.slice(fix.indexOf('aws iam update-assume-role-policy'));
    const argv = argvOf(line, scratch);
    expect(argv.slice(0, 5)).toEqual(['aws', 'iam', 'update-assume-role-policy', '--role-name', roleName]);
    // Asynchronously: the sandbox's proxy runs in this process.
    await promisify(execFile)('aws', argv.slice(1), { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...e.env, AWS_DEFAULT_REGION: REGION } });
    expect((await doctor())['trust-policy']?.status).toBe('pass');
  });

  it('doctor: a role deleted outside CloudFormation gets delete-then-create, not the create that finds the old stack again', async () => {
    const roleName = (await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '-o', 'json'])).stdout.match(/role\/([^"]+)"/)?.[1];
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
    for (const p of attached.AttachedPolicies ?? []) await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: p.PolicyArn }));
    await iam.send(new DeleteRoleCommand({ RoleName: roleName }));
    const before = await doctor();
    expect(before['service-account']?.status).toBe('fail');
    const fix = before['service-account']!.fix!;
    const lines = [...fix.matchAll(/irsactl (?:delete|create) iamserviceaccount [^,]*?(?:--wait|--approve)/g)].map((m) => m[0]);
    expect(lines.map((l) => argvOf(l, scratch).slice(0, 3)), fix).toEqual([['irsactl', 'delete', 'iamserviceaccount'], ['irsactl', 'create', 'iamserviceaccount']]);
    // What the doctor printed before (create with --override-existing-serviceaccounts) loops: create finds the
    // stack, re-annotates with the same missing role, and the doctor fails the same way. (test/e2e/doctor/fixes-work.test.ts
    // runs the delete-then-create it prints now, and the doctor passes after it.)
    await runIrsactl(createCommand({ cluster: CLUSTER, region: REGION, namespace: 'default', name: 'app' }, ['--override-existing-serviceaccounts']));
    const again = await doctor();
    expect(again['service-account']?.status).toBe('fail');
    expect(again['service-account']?.fix).toBe(fix);
  });
});
