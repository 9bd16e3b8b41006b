// Progress without a terminal: while stacks are in flight, a plain line at a steady interval names them and their
// status (IRSACTL_PROGRESS_INTERVAL_MS, small here). The latency layer holds every stack in CREATE_IN_PROGRESS until
// all exist and a number of status reads have been answered (counted, so the test does not depend on speed), and
// the assertions are on the lines' content, never on times. On a terminal the live status line stays the only view.
import { afterAll, describe, expect, it } from 'vitest';
import { startStackLatency, type StackLatencyProxy } from '../../sandbox/latency.js';
import { main } from '../../src/main.js';
import { Readable } from 'node:stream';
import { useE2E } from '../support/cli.js';
import { clusterConfigYaml } from '../support/config.js';

const REGION = 'us-west-2';
const CLUSTER = 'progress-e2e';
const COUNT = 3;

const e = useE2E(CLUSTER, { region: REGION, associate: true });
const proxies: StackLatencyProxy[] = [];
afterAll(async () => {
  for (const p of proxies) await p.stop();
});

/** create --approve of COUNT new service accounts through a fresh latency layer; stderr a terminal or not. */
async function createSlowly(prefix: string, tty: boolean): Promise<{ code: number; stderr: string }> {
  const slow = await startStackLatency(e.sandbox.proxyUrl, { afterCreates: COUNT, polls: 6 });
  proxies.push(slow);
  const env = { ...e.env, AWS_ENDPOINT_URL: slow.url, IRSACTL_POLL_INTERVAL_MS: '100', IRSACTL_MAX_POLL_INTERVAL_MS: '100', IRSACTL_PROGRESS_INTERVAL_MS: '20', NO_COLOR: '1' };
  const yaml = clusterConfigYaml(CLUSTER, REGION, Array.from({ length: COUNT }, (_, i) => ({ id: `default/${prefix}-${i}` })));
  let stderr = '';
  const code = await main(['create', 'iamserviceaccount', '-f', '-', '--approve', '--concurrency', String(COUNT)], {
    stdout: { write: () => true },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: () => Readable.from([yaml]),
    env,
    stderrIsTTY: tty,
  });
  expect(slow.listCalls.filter((c) => c.inProgress === COUNT).length, 'the latency layer held the stacks back').toBeGreaterThan(1);
  return { code, stderr };
}

describe('progress lines', () => {
  it('without a terminal, name every stack in flight with its status while they are created', async () => {
    const r = await createSlowly('plain', false);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.includes('waiting for'));
    const all = Array.from({ length: COUNT }, (_, i) => `default/plain-${i} CREATE_IN_PROGRESS`).join(', ');
    expect(lines.some((l) => new RegExp(`^• waiting for ${COUNT} stacks \\(\\d+(m\\d+)?s\\): ${all} \\(\\d+\\.\\ds\\)$`).test(l)), lines.join('\n')).toBe(true);
    // only stacks in flight: none after every stack was reported created
    const lastCreated = r.stderr.lastIndexOf('created stack');
    expect(r.stderr.slice(lastCreated)).not.toContain('waiting for');
  });

  it('on a terminal, leave it to the live status line', async () => {
    const r = await createSlowly('tty', true);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('waiting for');
    expect(r.stderr).toMatch(/\d\/3 done · \d in progress/);
  });
});
