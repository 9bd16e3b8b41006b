import { describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

/** Exit codes decided in one place (src/errors.ts, src/main.ts): 0 ok, 2 bad usage; no request is made here. */
describe('irsactl usage and exit codes', () => {
  it('--help and --version succeed and print to stdout', async () => {
    const help = await runCli(['--help'], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: irsactl');
    const version = await runCli(['--version'], {});
    expect(version).toMatchObject({ code: 0, stdout: '0.1.0\n' });
  });

  it('a group without its subcommand, and a bare irsactl, are bad usage (2)', async () => {
    for (const argv of [['get'], ['create'], []]) {
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
});
