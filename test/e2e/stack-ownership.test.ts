/**
 * A stack is a service account's only if its tags say so (issue 12 item 1). eksctl's name joins namespace and
 * name with "-", so `a-b/c` and `a/b-c` share a stack name; stacks with this cluster's names but another
 * cluster's tags, or none, can exist too (made straight through CloudFormation here, as a person would). None of
 * them is ever adopted, waited on, updated, pruned or deleted: create, apply, apply --prune, update and delete fail
 * for that service account, naming the stack and its real owner, and send no CreateStack/UpdateStack/DeleteStack.
 */
import { CloudFormationClient, CreateStackCommand, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from '../support/cli.js';
import { clusterConfigYaml } from '../support/config.js';
import { motoUrl } from '../support/aws.js';
import { parseRunDocument } from '../support/run-document.js';

const REGION = 'us-west-2';
const CLUSTER = 'own-e2e';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const stackOf = (ns: string, name: string) => `eksctl-${CLUSTER}-addon-iamserviceaccount-${ns}-${name}`;
const SHARED = stackOf('a-b', 'c');
const flags = ['--cluster', CLUSTER, '--region', REGION];

let e: E2E;
let cfn: CloudFormationClient;
let ownerRole: string;

/** A stack with this cluster's name for `ns/name`, made directly, with `tags`, and a Role1 output it would hand over. */
async function squat(ns: string, name: string, tags: Record<string, string>): Promise<void> {
  const body = JSON.stringify({
    Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
    Outputs: { Role1: { Value: `arn:aws:iam::${e.account.accountId}:role/intruder-${name}` } },
  });
  await cfn.send(new CreateStackCommand({ StackName: stackOf(ns, name), TemplateBody: body, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) }));
}

const writes = () => ['CreateStack', 'UpdateStack', 'DeleteStack'].map((a) => e.sandbox.proxy.count('cloudformation', a)).reduce((x, y) => x + y, 0);
const exists = async (stack: string) => (await cfn.send(new DescribeStacksCommand({ StackName: stack }))).Stacks?.[0]?.StackStatus;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  await e.associate();
  cfn = new CloudFormationClient({ region: REGION, endpoint: motoUrl(), credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey }, maxAttempts: 1 });
  const r = await e.run(['create', 'iamserviceaccount', ...flags, '--namespace', 'a-b', '--name', 'c', '--attach-policy-arn', S3_READ, '--approve', '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  ownerRole = parseRunDocument(r.stdout).items[0]!.role.arn!;
  await squat('apps', 'untagged', {});
  await squat('apps', 'theirs', { 'alpha.eksctl.io/cluster-name': 'someone-else', 'alpha.eksctl.io/iamserviceaccount-name': 'apps/theirs' });
});
afterAll(async () => {
  cfn?.destroy();
  await e?.stop();
});

describe('stack names that collide', () => {
  it('two entries of one file are a configuration error naming both, before any request', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['create', 'iamserviceaccount', '-f', '-', '--approve'], { stdin: clusterConfigYaml(CLUSTER, REGION, [{ id: 'a-b/c' }, { id: 'x/y' }, { id: 'a/b-c' }]) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`a/b-c and a-b/c (iam.serviceAccounts[0]) would share the CloudFormation stack ${SHARED}`);
    expect(e.sandbox.proxy.requests).toEqual([]);
  });

  it("create by flags of a/b-c fails naming a-b/c's stack, and neither waits for it nor takes its role", async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['create', 'iamserviceaccount', ...flags, '--namespace', 'a', '--name', 'b-c', '--attach-policy-arn', S3_READ, '--approve', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`stack ${SHARED} has the name of a/b-c's stack but belongs to service account a-b/c of this cluster`);
    expect(r.stderr).toContain('give a/b-c another namespace or name');
    expect(parseRunDocument(r.stdout)).toMatchObject({ items: [{ id: 'a/b-c', action: 'cannot-act', stack: { action: 'foreign', outcome: 'failed' }, outcome: { status: 'failed' } }] });
    expect(writes()).toBe(0);
    expect(e.cluster.kube.getServiceAccount('a', 'b-c')).toBeUndefined();
    expect(JSON.stringify(e.cluster.kube.getServiceAccount('a-b', 'c'))).toContain(ownerRole);
  });

  it('apply and apply --prune of a file with a/b-c are an error before any change, naming the stack and its owner', async () => {
    for (const extra of [[], ['--prune']]) {
      e.sandbox.proxy.resetLog();
      const r = await e.run(['apply', '-f', '-', ...extra, '--approve'], { stdin: clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/fine' }, { id: 'a/b-c' }]) });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`stack ${SHARED} has the name of a/b-c's stack but belongs to service account a-b/c of this cluster`);
      expect(writes()).toBe(0);
      expect(e.cluster.kube.getServiceAccount('apps', 'fine')).toBeUndefined();
    }
  });

  it('update and delete of a/b-c touch nothing of a-b/c', async () => {
    e.sandbox.proxy.resetLog();
    const up = await e.run(['update', 'iamserviceaccount', ...flags, '--namespace', 'a', '--name', 'b-c', '--attach-policy-arn', S3_READ, '--approve']);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain(`belongs to service account a-b/c of this cluster`);
    const del = await e.run(['delete', 'iamserviceaccount', ...flags, '--namespace', 'a', '--name', 'b-c', '--wait']);
    expect(del.code).toBe(1);
    expect(del.stderr).toContain(`stack ${SHARED} has the name of a/b-c's stack but belongs to service account a-b/c of this cluster`);
    expect(writes()).toBe(0);
    expect(await exists(SHARED)).toBe('CREATE_COMPLETE');
    expect(JSON.stringify(e.cluster.kube.getServiceAccount('a-b', 'c'))).toContain(ownerRole);
  });
});

describe("stacks with this cluster's names that are no one's here", () => {
  it('an untagged one and another cluster\'s are never adopted by create, and the message names the real owner', async () => {
    e.sandbox.proxy.resetLog();
    const untagged = await e.run(['create', 'iamserviceaccount', ...flags, '--namespace', 'apps', '--name', 'untagged', '--attach-policy-arn', S3_READ, '--approve']);
    expect(untagged.code).toBe(1);
    expect(untagged.stderr).toContain(`stack ${stackOf('apps', 'untagged')} has the name of apps/untagged's stack but belongs to nobody`);
    expect(untagged.stderr).toContain(`aws cloudformation describe-stacks --stack-name ${stackOf('apps', 'untagged')} --region ${REGION}`);
    const theirs = await e.run(['create', 'iamserviceaccount', ...flags, '--namespace', 'apps', '--name', 'theirs', '--attach-policy-arn', S3_READ, '--approve']);
    expect(theirs.code).toBe(1);
    expect(theirs.stderr).toContain('belongs to service account apps/theirs of cluster "someone-else"');
    expect(writes()).toBe(0);
    for (const name of ['untagged', 'theirs']) expect(e.cluster.kube.getServiceAccount('apps', name)).toBeUndefined();
  });

  it('get does not list them, and even apply --prune-all does not delete them (it prunes only what is ours)', async () => {
    const got = await e.run(['get', 'iamserviceaccount', ...flags, '-o', 'json']);
    expect(got.code, got.stderr).toBe(0);
    expect((JSON.parse(got.stdout) as { metadata: { namespace: string; name: string } }[]).map((i) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(['a-b/c']);

    e.sandbox.proxy.resetLog();
    const pruned = await e.run(['apply', '-f', '-', '--prune-all', '--approve', '-o', 'json'], { stdin: clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/keep' }]) });
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(parseRunDocument(pruned.stdout).items.filter((i) => i.action === 'delete').map((p) => p.id)).toEqual(['a-b/c']);
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBe(1);
    expect(await exists(stackOf('apps', 'untagged'))).toBe('CREATE_COMPLETE');
    expect(await exists(stackOf('apps', 'theirs'))).toBe('CREATE_COMPLETE');
  });
});
