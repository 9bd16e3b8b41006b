/**
 * Parallel waiting (issue #6) through sandbox/latency.ts, which makes each stack look CREATE_IN_PROGRESS for a
 * while as CloudFormation does (moto completes stacks at once). Asserts what was asked, never how long it took:
 * while several stacks are in flight, each poll is one DescribeStacks for all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStackLatency, rewriteStackList, type StackLatencyProxy } from '../../sandbox/latency.js';
import { runCli, startE2E, type E2E } from '../support/cli.js';
import { clusterConfigYaml } from '../support/config.js';

const REGION = 'us-west-2';
const CLUSTER = 'perf-waiting';
const SA_COUNT = 12;

let e: E2E;
let slow: StackLatencyProxy;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  slow = await startStackLatency(e.sandbox.proxyUrl, { stackCreateMs: 1500 });
});
afterAll(async () => {
  await slow?.stop();
  await e?.stop();
});

describe('rewriteStackList', () => {
  const xml = (status: string) =>
    `<DescribeStacksResponse><DescribeStacksResult><Stacks>` +
    `<member><StackName>young</StackName><StackStatus>${status}</StackStatus><Outputs><member><OutputKey>Role1</OutputKey><OutputValue>arn</OutputValue></member></Outputs><Tags><member><Key>k</Key><Value>v</Value></member></Tags></member>` +
    `<member><StackName>old</StackName><StackStatus>CREATE_COMPLETE</StackStatus><Outputs><member><OutputKey>Role1</OutputKey><OutputValue>arn2</OutputValue></member></Outputs></member>` +
    `</Stacks></DescribeStacksResult></DescribeStacksResponse>`;

  it('shows a young completed stack as in progress without outputs, and leaves the others alone', () => {
    const out = rewriteStackList(xml('CREATE_COMPLETE'), 'Stacks', (n) => n === 'young');
    expect(out).toBe(xml('CREATE_COMPLETE').replace(/<StackStatus>CREATE_COMPLETE<\/StackStatus><Outputs>.*?<\/Outputs><Tags>/, '<StackStatus>CREATE_IN_PROGRESS</StackStatus><Tags>'));
    expect(out).toContain('<OutputValue>arn2</OutputValue>');
    expect(out).not.toContain('<OutputValue>arn</OutputValue>');
  });

  it('leaves failed stacks, other containers and unnamed stacks as they are', () => {
    expect(rewriteStackList(xml('ROLLBACK_COMPLETE'), 'Stacks', (n) => n === 'young')).toBe(xml('ROLLBACK_COMPLETE'));
    expect(rewriteStackList(xml('CREATE_COMPLETE'), 'StackSummaries', () => true)).toBe(xml('CREATE_COMPLETE'));
  });
});

describe(`creating ${SA_COUNT} service accounts whose stacks take a while`, () => {
  it('waits for all of them with one DescribeStacks per poll', async () => {
    const yaml = clusterConfigYaml(CLUSTER, REGION, Array.from({ length: SA_COUNT }, (_, i) => ({ id: `default/slow-${i}` })));
    const env = { ...e.env, AWS_ENDPOINT_URL: slow.url, IRSACTL_POLL_INTERVAL_MS: '100', IRSACTL_MAX_POLL_INTERVAL_MS: '200' };
    const r = await runCli(['create', 'iamserviceaccount', '-f', '-', '--approve', '-o', 'json', '--concurrency', String(SA_COUNT)], env, { stdin: yaml });
    expect(r.stderr).not.toMatch(/Error:/);
    expect(r.code).toBe(0);

    // The latency layer really held the stacks back: the waiter saw them in progress and polled again.
    const whileBusy = slow.describeCalls.filter((c) => c.inProgress > 1);
    expect(whileBusy.length).toBeGreaterThan(1);
    // Once the waiter holds several stacks, each poll asks for all of them at once, never for one by name.
    // (Its very first poll may name the one stack whose CreateStack had returned by then.)
    const firstForAll = whileBusy.findIndex((c) => c.stackName === undefined);
    expect(firstForAll).toBeGreaterThanOrEqual(0);
    expect(whileBusy.slice(firstForAll).filter((c) => c.stackName !== undefined), JSON.stringify(slow.describeCalls)).toEqual([]);
    // far fewer polls than stacks × polls: one request per tick for all twelve
    expect(slow.describeCalls.length).toBeLessThan(whileBusy.length + SA_COUNT);
    // And the roles' outputs did arrive in the end: every ServiceAccount carries its role.
    for (let i = 0; i < SA_COUNT; i++) {
      const sa = e.cluster.kube.getServiceAccount('default', `slow-${i}`) as { metadata?: { annotations?: Record<string, string> } } | undefined;
      expect(sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toMatch(new RegExp(`^arn:aws:iam::\\d{12}:role/`));
    }
  });
});
