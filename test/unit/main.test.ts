import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';
import { outputOf } from '../../src/commands/options.js';

/** Exit codes decided in one place (src/errors.ts, src/main.ts): 0 ok, 2 bad usage; no request is made here. */
describe('irsactl usage and exit codes', () => {
  it('--help and --version succeed and print to stdout', async () => {
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: irsactl');
    const version = await runCli(['--version'], {});
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });

  it('a group without its subcommand is bad usage (2)', async () => {
    for (const argv of [['get'], ['create']]) {
      const r = await runCli(argv, {});
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toContain('Usage:');
    }
  });

  it('an unknown option or command is bad usage (2) with a suggestion', async () => {
    const r = await runCli(['get', 'iamserviceaccount', '--clustr', 'x'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--clustr'");
    expect(r.stderr).toContain('--cluster');
    const c = await runCli(['aply'], {});
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('apply');
  });

  it('a malformed --cfn-role-arn is listed with the other problems, before any request (2)', async () => {
    const r = await runCli(['create', 'iamserviceaccount', '--cluster', 'prod', '--name', 'app', '--role-name', 'bad name', '--attach-policy-arn', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--cfn-role-arn', 'cfn-exec'], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('2 problems:');
    expect(r.stderr).toContain('--cfn-role-arn: "cfn-exec" is not an IAM role ARN — pass arn:<partition>:iam::<12-digit account>:role/<name>');
    expect(r.stderr).toContain('--role-name: "bad name" is not a valid IAM role name');
  });

  it('a bare irsactl prints the help on stdout and succeeds, as kubectl and gh do', async () => {
    const r = await runCli([], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: irsactl');
    expect(r.stdout).toContain('Commands:');
    expect(r.stderr).toBe('');
  });

  it('irsactl help <command…> shows that command\'s help', async () => {
    const r = await runCli(['help', 'get', 'iamserviceaccount'], {});
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: irsactl get iamserviceaccount');
    expect(r.stdout).toContain('--ignore-kubernetes-errors');
    const unknown = await runCli(['help', 'nosuch'], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Error: irsactl has no command "nosuch"');
  });

  it('irsactl version prints the version; -o json in eksctl\'s keys with the stacks\' version tag', async () => {
    expect(await runCli(['version'], {})).toMatchObject({ code: 0, stdout: '0.1.0\n' });
    const json = await runCli(['version', '-o', 'json'], {});
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ Version: '0.1.0', PreReleaseId: '', StackTag: 'irsactl-0.1.0' });
  });

  it('-n is --namespace, and --timeout\'s help shows its default as 25m', async () => {
    const help = await runCli(['create', 'iamserviceaccount', '--help'], {});
    expect(help.stdout).toMatch(/-n, --namespace <namespace>/);
    expect(help.stdout).toMatch(/\(default: 25m\)/);
    expect(help.stdout).not.toContain('1500000');
    for (const cmd of [['get', 'iamserviceaccount'], ['delete', 'iamserviceaccount'], ['doctor']]) {
      expect((await runCli([...cmd, '--help'], {})).stdout, cmd.join(' ')).toMatch(/-n, --namespace <namespace>/);
    }
  });

  it('table and text are accepted on every command\'s -o, both meaning its human format', async () => {
    for (const argv of [['get', 'iamserviceaccount', '-o', 'text'], ['create', 'iamserviceaccount', '-o', 'table'], ['doctor', '-o', 'table'], ['apply', '-o', 'table'], ['utils', 'associate-iam-oidc-provider', '-o', 'table']]) {
      const r = await runCli(argv, {});
      expect(r.stderr, argv.join(' ')).not.toContain('is invalid');
    }
    expect(outputOf({ output: 'table' }, ['text', 'json', 'yaml'])).toBe('text');
    expect(outputOf({ output: 'text' }, ['table', 'json', 'yaml'])).toBe('table');
    expect(outputOf({ output: 'json' }, ['table', 'json', 'yaml'])).toBe('json');
  });
});
