// `--exit-code` on create, update, apply and delete against the sandbox: 3 when the plan has changes (or the
// --approve run made some), 0 when nothing would change; a usage error stays 2 and a failure 1.
import { describe, expect, it } from 'vitest';
import { useE2E } from '../support/cli.js';
import { clusterConfigYaml } from '../support/config.js';

const REGION = 'us-west-2';
const CLUSTER = 'exit-code-e2e';
const S3_FULL = 'arn:aws:iam::aws:policy/AmazonS3FullAccess';
const file = clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/a' }, { id: 'apps/b' }]);
const changed = clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/a', policies: [S3_FULL] }, { id: 'apps/b' }]);

const e = useE2E(CLUSTER, { region: REGION, associate: true });

const run = (argv: string[], stdin?: string) => e.run(argv, stdin === undefined ? {} : { stdin });

describe('--exit-code', () => {
  it('create: 3 for a plan with changes and for a run that made them, 0 once nothing would change', async () => {
    const plain = await run(['create', 'iamserviceaccount', '-f', '-'], file);
    expect(plain.code, plain.stderr).toBe(0);
    const plan = await run(['create', 'iamserviceaccount', '-f', '-', '--exit-code'], file);
    expect(plan.code, plan.stderr).toBe(3);
    expect(plan.stdout).toContain('2 changes planned');
    const made = await run(['create', 'iamserviceaccount', '-f', '-', '--approve', '--exit-code'], file);
    expect(made.code, made.stderr).toBe(3);
    const again = await run(['create', 'iamserviceaccount', '-f', '-', '--exit-code', '-o', 'json'], file);
    expect(again.code, again.stderr).toBe(0);
    const none = await run(['create', 'iamserviceaccount', '-f', '-', '--approve', '--exit-code'], file);
    expect(none.code, none.stderr).toBe(0);
  });

  it('update and apply: 3 for a changed policy, planned or applied; 0 afterwards', async () => {
    const update = await run(['update', 'iamserviceaccount', '-f', '-', '--exit-code'], changed);
    expect(update.code, update.stderr).toBe(3);
    expect(update.stdout).toContain(`+ managed policy ${S3_FULL}`);
    const apply = await run(['apply', '-f', '-', '--exit-code'], changed);
    expect(apply.code, apply.stderr).toBe(3);
    const applied = await run(['apply', '-f', '-', '--approve', '--exit-code'], changed);
    expect(applied.code, applied.stderr).toBe(3);
    for (const argv of [['apply', '-f', '-', '--exit-code'], ['apply', '-f', '-', '--approve', '--exit-code'], ['update', 'iamserviceaccount', '-f', '-', '--exit-code']]) {
      const r = await run(argv, changed);
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(0);
    }
  });

  it('delete: 3 for a plan with stacks to delete and for the deletion, 0 when there is nothing left to delete', async () => {
    const only = clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/b' }]);
    const plan = await run(['delete', 'iamserviceaccount', '-f', '-', '--exit-code'], only);
    expect(plan.code, plan.stderr).toBe(3);
    const deleted = await run(['delete', 'iamserviceaccount', '-f', '-', '--approve', '--wait', '--exit-code'], only);
    expect(deleted.code, deleted.stderr).toBe(3);
    const noneLeft = await run(['delete', 'iamserviceaccount', '-f', '-', '--only-missing', '--exit-code'], changed);
    expect(noneLeft.code, noneLeft.stderr).toBe(0);
    const byFlags = await run(['delete', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '-n', 'apps', '--name', 'a', '--wait', '--exit-code']);
    expect(byFlags.code, byFlags.stderr).toBe(3);
    const again = await run(['delete', 'iamserviceaccount', '-f', '-', '--exit-code'], changed);
    expect(again.code, again.stderr).toBe(0);
  });

  it('a usage error stays 2 and a failure 1', async () => {
    const usage = await run(['apply', '-f', '-', '--exit-code', '--include', 'apps/a', '--name', 'x'], changed);
    expect(usage.code, usage.stderr).toBe(2);
    const missing = await run(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--namespace', 'apps', '--name', 'nobody', '--attach-policy-arn', S3_FULL, '--exit-code']);
    expect(missing.stderr).toContain('nothing to update');
    expect(missing.code).toBe(1);
  });
});
