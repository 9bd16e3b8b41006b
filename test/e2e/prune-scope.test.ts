/**
 * `apply --prune` deletes only the stacks of this file's apply set (tag irsactl.io/apply-set) that the file no
 * longer names; `--prune-all` every iamserviceaccount stack of the cluster the file does not name. The cluster holds
 * a stack made by flags, one made by eksctl (CreateStack as eksctl sends it), one by another file's apply and two by
 * this file's apply; the plans (text and JSON) say who made each stack and why it goes or stays.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { AwsPorts } from '../../src/aws/ports.js';
import { startE2E, type E2E } from '../support/cli.js';
import { testAwsOptions } from '../support/aws.js';
import { clusterConfigYaml } from '../support/config.js';
import { createStackAsEksctl } from '../support/eksctl.js';
import { parseRunDocument } from '../support/run-document.js';
import type { RunDocument } from '../../src/output/run-document.js';

const REGION = 'us-west-2';
const CLUSTER = 'prune-e2e';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const APPLY_SET_TAG = 'irsactl.io/apply-set';
const stackName = (id: string) => `eksctl-${CLUSTER}-addon-iamserviceaccount-${id.replace('/', '-')}`;
const fileWith = (ids: string[]) => clusterConfigYaml(CLUSTER, REGION, ids.map((id) => ({ id })));

let e: E2E;
let aws: AwsPorts;
let dir: string;
/** this file: its default apply set is `<metadata.name>/<base name>` */
let teamFile: string;
const THIS_SET = `${CLUSTER}/team.yaml`;

const exists = async (id: string) => (await aws.cfn.describeStack(stackName(id))) !== undefined;
const writeTeam = (ids: string[]) => writeFileSync(teamFile, fileWith(ids));

interface PruneJson {
  namespace: string;
  name: string;
  stackName: string;
  madeBy: { tool: string; version?: string; applySet?: string };
  reason: string;
}
const ids = (items: PruneJson[]) => items.map((p) => `${p.namespace}/${p.name}`).sort();
/** The stacks the plan deletes: its items with action delete. */
const deletes = (doc: RunDocument) => doc.items.filter((i) => i.action === 'delete');

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  aws = await createAwsPorts(testAwsOptions(e.account, REGION));
  dir = mkdtempSync(join(tmpdir(), 'irsactl-prune-'));
  teamFile = join(dir, 'team.yaml');
  await e.associate();

  const flags = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--namespace', 'apps', '--name', 'by-flags', '--attach-policy-arn', S3_READ, '--approve']);
  expect(flags.code, flags.stderr).toBe(0);
  const body =
    '{"AWSTemplateFormatVersion":"2010-09-09","Resources":{"Role1":{"Type":"AWS::IAM::Role","Properties":{"AssumeRolePolicyDocument":{"Statement":[{"Action":["sts:AssumeRoleWithWebIdentity"],"Effect":"Allow","Principal":{"Federated":"x"}}],"Version":"2012-10-17"},' +
    '"ManagedPolicyArns":["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]}}},"Outputs":{"Role1":{"Value":{"Fn::GetAtt":["Role1","Arn"]}}}}';
  await createStackAsEksctl(e, { cluster: CLUSTER, region: REGION, id: 'apps/by-eksctl', templateBody: body });
  // another team's file, piped, with an explicit apply set
  const other = await e.run(['apply', '-f', '-', '--apply-set', 'team-b', '--approve'], { stdin: fileWith(['apps/other-1']) });
  expect(other.code, other.stderr).toBe(0);
  writeTeam(['apps/mine-1', 'apps/mine-2']);
  const mine = await e.run(['apply', '-f', teamFile, '--approve']);
  expect(mine.code, mine.stderr).toBe(0);
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await e?.stop();
});

describe('apply tags its stacks with its apply set', () => {
  it('this file: <metadata.name>/<base name>; a piped file: --apply-set', async () => {
    expect((await aws.cfn.describeStack(stackName('apps/mine-1')))?.tags[APPLY_SET_TAG]).toBe(THIS_SET);
    expect((await aws.cfn.describeStack(stackName('apps/other-1')))?.tags[APPLY_SET_TAG]).toBe('team-b');
    expect((await aws.cfn.describeStack(stackName('apps/by-flags')))?.tags[APPLY_SET_TAG]).toBeUndefined();
  });

  it('the apply-set tag is not drift: applying a file that names a stack made by flags plans it up to date', async () => {
    const r = await e.run(['apply', '-f', '-'], { stdin: fileWith(['apps/by-flags']) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('= apps/by-flags: stack up to date');
    expect(r.stdout).not.toContain(APPLY_SET_TAG);
    expect(r.stdout).toContain('Plan: 0 to create, 0 to update, 0 to delete, 1 unchanged.');
  });

  it('refuses an --apply-set that cannot be a tag value before any request (exit 2)', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['apply', '-f', teamFile, '--apply-set', 'a;b']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--apply-set');
    expect(e.sandbox.proxy.count('cloudformation', 'ListStacks') + e.sandbox.proxy.count('eks', 'DescribeCluster')).toBe(0);
  });
});

describe('the apply-set tag counts toward CloudFormation\'s 50 stack tags', () => {
  it('46 tags of the user fit create, not apply, which refuses before any request (exit 2)', async () => {
    const tags = Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`t${i}`, 'v']));
    const file = clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/tagged', extra: { tags } }]);
    e.sandbox.proxy.resetLog();
    const r = await e.run(['apply', '-f', '-'], { stdin: file });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('would carry 51 tags (5 irsactl/eksctl tags, 46 from');
    expect(e.sandbox.proxy.count('cloudformation', 'ListStacks')).toBe(0);
    expect((await e.run(['create', 'iamserviceaccount', '-f', '-'], { stdin: file })).stderr).not.toContain('would carry');
  });
});

describe('apply --prune: only this apply set', () => {
  it('the text plan deletes only the stack this file made and no longer names, and says why each other stack stays', async () => {
    writeTeam(['apps/mine-1']);
    e.sandbox.proxy.resetLog();
    const r = await e.run(['apply', '-f', teamFile, '--prune']);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`- apps/mine-2: delete stack ${stackName('apps/mine-2')}`);
    expect(out).toMatch(new RegExp(`made by irsactl \\S+, apply of apply set "${THIS_SET}"; deleted because this file's apply made it`));
    expect(out).not.toMatch(/apps\/(by-flags|by-eksctl|other-1): delete/);
    expect(out).toMatch(/apps\/by-flags: stack \S+, made by irsactl \S+, outside any apply set .*kept: in no apply set/);
    expect(out).toMatch(/apps\/by-eksctl: stack \S+, made by eksctl 0\.190\.0; kept: in no apply set/);
    expect(out).toMatch(/apps\/other-1: stack \S+, made by irsactl \S+, apply of apply set "team-b"; kept: another apply set's/);
    expect(out.trimEnd().split('\n').at(-1)).toBe('Plan: 0 to create, 0 to update, 1 to delete, 1 unchanged.');
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBe(0);
  });

  it('the JSON plan has the same: who made each stack, the reason, and the counts', async () => {
    const r = await e.run(['apply', '-f', teamFile, '--prune', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = parseRunDocument(r.stdout);
    expect(doc.pruneScope).toBe('apply-set');
    expect(doc.applySet).toBe(THIS_SET);
    expect(deletes(doc).map((i) => i.id)).toEqual(['apps/mine-2']);
    expect(deletes(doc)[0]!.stack.madeBy).toEqual(expect.objectContaining({ tool: 'irsactl', applySet: THIS_SET }));
    expect(deletes(doc)[0]!.reason).toContain("this file's apply made it");
    expect(ids(doc.notPruned ?? [])).toEqual(['apps/by-eksctl', 'apps/by-flags', 'apps/other-1']);
    const byId = new Map((doc.notPruned ?? []).map((p) => [`${p.namespace}/${p.name}`, p]));
    expect(byId.get('apps/by-eksctl')!.madeBy).toEqual({ tool: 'eksctl', version: '0.190.0' });
    expect(byId.get('apps/by-flags')!.madeBy).toEqual({ tool: 'irsactl', version: expect.any(String) });
    expect(byId.get('apps/other-1')!.madeBy).toEqual(expect.objectContaining({ tool: 'irsactl', applySet: 'team-b' }));
    expect(doc.summary).toEqual({ create: 0, update: 0, delete: 1, unchanged: 1, cannotAct: 0 });
  });

  it('a file with serviceAccounts: [] prunes nothing with --prune, and says so', async () => {
    const emptyFile = join(dir, 'empty', 'team.yaml');
    rmSync(join(dir, 'empty'), { recursive: true, force: true });
    mkdirSync(join(dir, 'empty'));
    writeFileSync(emptyFile, fileWith([]));
    e.sandbox.proxy.resetLog();
    const r = await e.run(['apply', '-f', emptyFile, '--prune', '--approve', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('the file selects no service account: --prune deletes nothing');
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBe(0);
    for (const id of ['apps/mine-1', 'apps/mine-2']) expect(await exists(id)).toBe(true);

    const plan = parseRunDocument((await e.run(['apply', '-f', emptyFile, '--prune', '-o', 'json'])).stdout);
    expect(deletes(plan)).toEqual([]);
    expect(plan.notPruned?.find((p) => p.name === 'mine-2')!.reason).toContain('the file selects no service account');
  });

  it('--approve deletes the stack of this apply set only', async () => {
    const r = await e.run(['apply', '-f', teamFile, '--prune', '--approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(await exists('apps/mine-2')).toBe(false);
    for (const id of ['apps/mine-1', 'apps/by-flags', 'apps/by-eksctl', 'apps/other-1']) expect(await exists(id)).toBe(true);
  });
});

describe('delete --only-missing and apply --prune-all: every stack the file does not name', () => {
  it('the delete --only-missing plan names who made each stack', async () => {
    const r = await e.run(['delete', 'iamserviceaccount', '-f', teamFile, '--only-missing']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`apps/by-eksctl: delete stack ${stackName('apps/by-eksctl')} (made by eksctl 0.190.0)`);
    expect(r.stdout).toContain(`apps/other-1: delete stack ${stackName('apps/other-1')} (made by irsactl`);
    expect(r.stdout).toContain('apply set "team-b"');
  });

  it('--prune-all plans deleting the stacks of flags, eksctl and the other file, then --approve deletes them', async () => {
    const plan = await e.run(['apply', '-f', teamFile, '--prune-all', '-o', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    const doc = parseRunDocument(plan.stdout);
    expect(doc.pruneScope).toBe('all');
    expect(deletes(doc).map((i) => i.id).sort()).toEqual(['apps/by-eksctl', 'apps/by-flags', 'apps/other-1']);
    expect(deletes(doc).map((p) => p.stack.madeBy?.tool).sort()).toEqual(['eksctl', 'irsactl', 'irsactl']);
    expect(doc.summary.delete).toBe(3);

    const r = await e.run(['apply', '-f', teamFile, '--prune-all', '--approve']);
    expect(r.code, r.stderr).toBe(0);
    for (const id of ['apps/by-flags', 'apps/by-eksctl', 'apps/other-1']) expect(await exists(id)).toBe(false);
    expect(await exists('apps/mine-1')).toBe(true);
  });
});
