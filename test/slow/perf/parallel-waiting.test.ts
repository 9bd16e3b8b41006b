/**
 * Parallel waiting through sandbox/latency.ts, which makes each stack look CREATE_IN_PROGRESS for a
 * while as CloudFormation does (moto completes stacks at once). Asserts what was asked, never how long it took:
 * while several stacks are in flight, each poll is one status-filtered ListStacks for all of them, and each stack is
 * described (by name) once, when it has finished. Never DescribeStacks without a StackName.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filterStackList, startStackLatency, rewriteStackList, type StackLatencyProxy } from '../../../sandbox/latency.js';
import { runCli } from '../../support/run-cli.js';
import { startE2E, type E2E } from '../../support/cli.js';
import { clusterConfigYaml } from '../../support/config.js';

const REGION = 'us-west-2';
const CLUSTER = 'perf-waiting';
const SA_COUNT = 12;

let e: E2E;
let slow: StackLatencyProxy;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  // Counted, not timed: on a loaded machine the 12 CreateStacks alone can take longer than any fixed latency, and
  // then no poll would ever see several stacks in flight. Every stack stays in progress until all 12 exist and
  // three more status reads have been answered.
  slow = await startStackLatency(e.sandbox.proxyUrl, { afterCreates: SA_COUNT, polls: 3 });
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

  it('filters a ListStacks answer by status after the rewrite (moto filters by its own finished statuses)', () => {
    const list = (a: string, b: string) =>
      `<ListStacksResponse><ListStacksResult><StackSummaries><member><StackName>young</StackName><StackStatus>${a}</StackStatus></member>` +
      `<member><StackName>old</StackName><StackStatus>${b}</StackStatus></member></StackSummaries></ListStacksResult></ListStacksResponse>`;
    const rewritten = rewriteStackList(list('CREATE_COMPLETE', 'CREATE_COMPLETE'), 'StackSummaries', (n) => n === 'young');
    expect(filterStackList(rewritten, ['CREATE_IN_PROGRESS'])).toBe(list('CREATE_IN_PROGRESS', 'CREATE_COMPLETE').replace(/<member><StackName>old<\/StackName>.*?<\/member>/, ''));
    expect(filterStackList(rewritten, ['CREATE_COMPLETE'])).toBe(list('CREATE_IN_PROGRESS', 'CREATE_COMPLETE').replace(/<member><StackName>young<\/StackName>.*?<\/member>/, ''));
  });

  it('leaves failed stacks, other containers and unnamed stacks as they are', () => {
    expect(rewriteStackList(xml('ROLLBACK_COMPLETE'), 'Stacks', (n) => n === 'young')).toBe(xml('ROLLBACK_COMPLETE'));
    expect(rewriteStackList(xml('CREATE_COMPLETE'), 'StackSummaries', () => true)).toBe(xml('CREATE_COMPLETE'));
  });
});

describe(`creating ${SA_COUNT} service accounts whose stacks take a while`, () => {
  it('waits for all of them with one ListStacks per poll, then one DescribeStacks by name per finished stack', async () => {
    const yaml = clusterConfigYaml(CLUSTER, REGION, Array.from({ length: SA_COUNT }, (_, i) => ({ id: `default/slow-${i}` })));
    const env = { ...e.env, AWS_ENDPOINT_URL: slow.url, IRSACTL_POLL_INTERVAL_MS: '100', IRSACTL_MAX_POLL_INTERVAL_MS: '200' };
    const r = await runCli(['create', 'iamserviceaccount', '-f', '-', '--approve', '-o', 'json', '--concurrency', String(SA_COUNT)], env, { stdin: yaml });
    expect(r.stderr).not.toMatch(/Error:/);
    expect(r.code).toBe(0);

    // The latency layer really held the stacks back: the waiter listed them in progress and polled again.
    const whileBusy = slow.listCalls.filter((c) => c.inProgress > 1);
    expect(whileBusy.length, JSON.stringify(slow.listCalls)).toBeGreaterThan(1);
    // The waiter's listing asks only for the statuses still moving; discovery's for every live one.
    for (const c of whileBusy) expect(c.statuses).toEqual(expect.arrayContaining(['CREATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS']));
    for (const c of whileBusy) expect(c.statuses).not.toContain('CREATE_COMPLETE');
    // Never DescribeStacks without a name; each stack described once after it finished (for its outputs), and a
    // stack still in progress only when it was the one stack in flight.
    expect(slow.describeCalls.filter((c) => c.stackName === undefined)).toEqual([]);
    const finished = slow.describeCalls.filter((c) => c.young === false).map((c) => c.stackName);
    expect(finished.sort()).toEqual(Array.from({ length: SA_COUNT }, (_, i) => `eksctl-${CLUSTER}-addon-iamserviceaccount-default-slow-${i}`).sort());
    const youngLooks = slow.describeCalls.filter((c) => c.young === true);
    expect(youngLooks.length, JSON.stringify(slow.describeCalls)).toBeLessThanOrEqual(slow.listCalls.length);
    // And the roles' outputs did arrive in the end: every ServiceAccount carries its role.
    for (let i = 0; i < SA_COUNT; i++) {
      const sa = e.cluster.kube.getServiceAccount('default', `slow-${i}`) as { metadata?: { annotations?: Record<string, string> } } | undefined;
      expect(sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toMatch(new RegExp(`^arn:aws:iam::\\d{12}:role/`));
    }
  });
});
