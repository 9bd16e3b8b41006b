/**
 * What irsactl creates, its own doctor passes: the rendered trust policy (as IAM stores it), the annotation and
 * the OIDC provider agree, for a plain account and a subject pattern, and --live exchanges a real token at STS.
 */
import { describe, expect, it } from 'vitest';
import { useE2E } from '../support/cli.js';
import { S3_READ } from '../support/config.js';

const CLUSTER = 'made-then-checked';
const e = useE2E(CLUSTER, { associate: true });

describe('create, then doctor', () => {
  it.each([
    ['plain', []],
    ['patterned', ['--subject-pattern', 'patterned*']],
  ] as const)('%s: every check passes, including --live', async (name, extra) => {
    const created = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', name, '--attach-policy-arn', S3_READ, ...extra, '--approve']);
    expect(created.code, created.stderr).toBe(0);
    const r = await e.run(['doctor', '--cluster', CLUSTER, '--namespace', 'apps', '--name', name, '--live', '-o', 'json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { serviceAccounts: { healthy: boolean; checks: { id: string; status: string }[] }[] };
    expect(report.serviceAccounts).toHaveLength(1);
    expect(report.serviceAccounts[0]!.healthy).toBe(true);
    const statuses = Object.fromEntries(report.serviceAccounts[0]!.checks.map((c) => [c.id, c.status]));
    expect(statuses).toMatchObject({ 'oidc-provider': 'pass', 'trust-policy': 'pass', live: 'pass' });
  });
});
