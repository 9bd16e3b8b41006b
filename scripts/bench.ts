/**
 * `npm run bench` (issue #6): the performance figures, each as a ratio measured side by side in one run on
 * this machine (absolute times are noisy here), against its target. Runs the built binary (bin/irsactl.js)
 * as a user would, against the sandbox (moto, the rewriting proxy, a Kubernetes test server; for parallel
 * waiting also sandbox/latency.ts). Prints a table, says which targets are missed, writes bench-results.json.
 *
 * BENCH_RUNS (start-up runs per command, default 30), BENCH_PLAN_RUNS (default 5), BENCH_STACK_SECONDS
 * (how long each stack takes in the latency layer, default 8), BENCH_STRICT=1 (exit 1 on a missed target).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { startStackLatency } from '../sandbox/latency.js';
import { resolveConfig } from '../src/config/resolve.js';
import { planServiceAccounts } from '../src/actions/plan.js';
import { convergeDocument } from '../src/actions/run-document.js';
import { oidcInfoFrom } from '../src/model/oidc.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'irsactl.js');
const REGION = 'us-west-2';
const envInt = (name: string, fallback: number) => Number(process.env[name] ?? '') || fallback;

interface Figure {
  name: string;
  value: number;
  unit: string;
  target: number;
  /** how the value was measured, for the reader of the JSON */
  detail: Record<string, unknown>;
  /** lower is better for every figure here */
  met: boolean;
}
const figures: Figure[] = [];
function record(name: string, value: number, unit: string, target: number, detail: Record<string, unknown>): void {
  const f = { name, value, unit, target, detail, met: value <= target };
  figures.push(f);
  const mark = f.met ? 'ok  ' : 'MISS';
  process.stdout.write(`${mark} ${name.padEnd(52)} ${value.toFixed(2).padStart(7)} ${unit.padEnd(12)} target ≤ ${target}\n`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Wall time of one process, in ms; output discarded. */
function timeSync(args: string[], env: NodeJS.ProcessEnv = process.env): { ms: number; status: number | null } {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: 'ignore', cwd: root });
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, status: r.status };
}

/** Runs the commands in turn, round after round (interleaved, so drifts in machine load hit all alike); medians. */
function interleaved(commands: Record<string, { args: string[]; env?: NodeJS.ProcessEnv }>, rounds: number, warmup = 2): Record<string, number> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  for (let round = -warmup; round < rounds; round++) {
    for (const [name, c] of Object.entries(commands)) {
      const { ms, status } = timeSync(c.args, c.env);
      if (status !== 0) throw new Error(`${name}: exit ${status} (node ${c.args.join(' ')})`);
      if (round >= 0) times[name]!.push(ms);
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
}

/** Runs irsactl asynchronously (the sandbox's servers live in this process and must keep answering). */
function irsactl(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<{ ms: number; code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [bin, ...args], { env, cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => done({ ms: Number(process.hrtime.bigint() - start) / 1e6, code: code ?? 1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

async function nodeBaseline(): Promise<number> {
  const r = await new Promise<number>((done) => {
    const start = process.hrtime.bigint();
    spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }).on('exit', () => done(Number(process.hrtime.bigint() - start) / 1e6));
  });
  return r;
}

function clusterConfig(cluster: string, count: number, namespaces: number, prefix = 'sa'): string {
  const lines = Array.from({ length: count }, (_, i) => {
    const policy = i % 3 === 0 ? '\n    wellKnownPolicies: {autoScaler: true}' : '\n    attachPolicyARNs: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]';
    return `  - metadata: {namespace: ns-${i % namespaces}, name: ${prefix}-${i}, labels: {team: t${i % 7}}}${policy}`;
  });
  return `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: ${cluster}, region: ${REGION}}\niam:\n  withOIDC: true\n  serviceAccounts:\n${lines.join('\n')}\n`;
}

function startup(): void {
  const rounds = envInt('BENCH_RUNS', 30);
  const t = interleaved(
    {
      node: { args: ['-e', '0'] },
      help: { args: [bin, '--help'] },
      createHelp: { args: [bin, 'create', 'iamserviceaccount', '--help'] },
    },
    rounds,
  );
  const detail = (k: string) => ({ medianMs: round(t[k]!), nodeMedianMs: round(t.node!), runs: rounds, nodeExtraCaCerts: Boolean(process.env.NODE_EXTRA_CA_CERTS) });
  record('start-up: irsactl --help', t.help! / t.node!, '× node -e 0', 1.3, detail('help'));
  record('start-up: irsactl create iamserviceaccount --help', t.createHelp! / t.node!, '× node -e 0', 1.3, detail('createHelp'));
  startupInstructions();
}

/**
 * The same start-up comparison in CPU instructions (valgrind's callgrind): repeatable on a shared machine where
 * wall times swing by ±15%. Informational beside the wall-time target; skipped where valgrind is missing.
 */
function startupInstructions(): void {
  const count = (args: string[]): number | undefined => {
    const out = join(tmpdir(), `irsactl-bench-cg-${process.pid}`);
    const r = spawnSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
    rmSync(out, { force: true });
    const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr ?? '');
    return m ? Number(m[1]!.replace(/,/g, '')) : undefined;
  };
  const node = count(['-e', '0']);
  const help = node === undefined ? undefined : count([bin, '--help']);
  if (node === undefined || help === undefined) {
    process.stdout.write('-    start-up in CPU instructions: skipped (valgrind not installed)\n');
    return;
  }
  record('start-up: irsactl --help, CPU instructions', help / node, '× node -e 0', 1.3, { instructions: help, nodeInstructions: node });
}

async function planning(sandbox: Sandbox, scratch: string): Promise<void> {
  const account = await sandbox.newAccount();
  const cluster = await sandbox.createCluster(account, 'bench-plan', REGION);
  const env = { ...process.env, ...sandbox.cliEnv(account, REGION) };
  // Some of the 1,000 already exist (stacks and ServiceAccounts), so the plan looks both up for real.
  const existing = await irsactl(['create', 'iamserviceaccount', '-f', '-', '--approve'], env, clusterConfig('bench-plan', 20, 10));
  if (existing.code !== 0) throw new Error(`planning setup failed:\n${existing.stderr}`);
  void cluster;
  const file = join(scratch, 'plan-1000.yaml');
  writeFileSync(file, clusterConfig('bench-plan', 1000, 10));
  const rounds = envInt('BENCH_PLAN_RUNS', 5);
  const nodeTimes: number[] = [];
  const planTimes: number[] = [];
  for (let r = -1; r < rounds; r++) {
    const base = await nodeBaseline();
    const res = await irsactl(['create', 'iamserviceaccount', '-f', file, '-o', 'json'], env);
    if (res.code !== 0) throw new Error(`plan of 1000 failed (exit ${res.code}):\n${res.stderr.slice(0, 2000)}`);
    const planned = ((JSON.parse(res.stdout) as { serviceAccounts?: unknown[] }).serviceAccounts ?? []).length;
    if (planned !== 1000) throw new Error(`plan of 1000 listed ${planned} service accounts`);
    if (r < 0) continue; // warm-up: moto's first answers are slow
    nodeTimes.push(base);
    planTimes.push(res.ms);
  }
  const node = median(nodeTimes);
  const t1000 = median(planTimes);
  record('planning: create -f (1,000 SAs) -o json', t1000 / node, '× node -e 0', 10, { medianMs: round(t1000), nodeMedianMs: round(node), runs: rounds });
}

/**
 * Linear in the number of service accounts: the pure work (validate, render every template, plan, print JSON)
 * timed in-process for 1,000 and 4,000 accounts — in-process medians are steady where process start-ups are
 * not. (time for 4,000) / (4 × time for 1,000): 1 is linear, 4 would be quadratic.
 */
function planningLinearity(): void {
  const oidc = oidcInfoFrom('https://oidc.eks.us-west-2.amazonaws.com/id/BENCH0000000000000000000000000000', 'aws', '123456789012');
  const once = (text: string): number => {
    const t0 = performance.now();
    const resolved = resolveConfig('create', { configFile: 'bench.yaml' }, { path: 'bench.yaml', text });
    const plan = planServiceAccounts({
      mode: 'create', model: resolved.cluster, selected: resolved.selected, region: REGION, oidc,
      providerExists: true, stacks: new Map(), serviceAccounts: new Map(), overrideExisting: false,
    });
    JSON.stringify(convergeDocument('create iamserviceaccount', plan));
    return performance.now() - t0;
  };
  const small = clusterConfig('bench-linear', 1000, 10);
  const large = clusterConfig('bench-linear', 4000, 10);
  for (let i = 0; i < 3; i++) once(small); // warm the JIT
  const ts: number[] = [];
  const tl: number[] = [];
  for (let i = 0; i < 9; i++) {
    ts.push(once(small));
    tl.push(once(large));
  }
  const ratio = median(tl) / (4 * median(ts));
  record('planning: linear in service accounts (4,000 vs 4 × 1,000, in-process)', ratio, '× (1 = linear)', 1.5, { medianMs1000: round(median(ts)), medianMs4000: round(median(tl)) });
}

async function apiEconomy(sandbox: Sandbox): Promise<void> {
  const count = 50;
  const account = await sandbox.newAccount();
  const cluster = await sandbox.createCluster(account, 'bench-economy', REGION);
  const env = { ...process.env, ...sandbox.cliEnv(account, REGION), IRSACTL_POLL_INTERVAL_MS: '100' };
  sandbox.proxy.resetLog();
  cluster.kube.resetLog();
  const res = await irsactl(['apply', '-f', '-', '--approve'], env, clusterConfig('bench-economy', count, 5));
  if (res.code !== 0) throw new Error(`apply of ${count} failed:\n${res.stderr.slice(0, 2000)}`);
  const byAction: Record<string, number> = {};
  for (const q of sandbox.proxy.requests) byAction[`${q.service}:${q.action}`] = (byAction[`${q.service}:${q.action}`] ?? 0) + 1;
  const byRoute: Record<string, number> = {};
  for (const q of cluster.kube.requests) {
    const route = `${q.method} ${q.path.replace(/\/namespaces\/[^/]+/, '/namespaces/{ns}').replace(/\/serviceaccounts\/[^/]+/, '/serviceaccounts/{name}')}`;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
  }
  record(`API economy: AWS requests per SA (apply of ${count})`, sandbox.proxy.requests.length / count, 'requests', 3, { total: sandbox.proxy.requests.length, byAction });
  record(`API economy: Kubernetes requests per SA (apply of ${count})`, cluster.kube.requests.length / count, 'requests', 4, { total: cluster.kube.requests.length, byRoute });
  const once = ['eks:DescribeCluster', 'iam:GetOpenIDConnectProvider'];
  const repeated = once.filter((a) => (byAction[a] ?? 0) > 1);
  record('API economy: one-off lookups made more than once', repeated.length, 'lookups', 0, { lookups: Object.fromEntries(once.map((a) => [a, byAction[a] ?? 0])) });
}

async function parallelWaiting(sandbox: Sandbox): Promise<void> {
  const stackMs = envInt('BENCH_STACK_SECONDS', 8) * 1000;
  const slow = await startStackLatency(sandbox.proxyUrl, { stackCreateMs: stackMs });
  try {
    const timeCreate = async (cluster: string, count: number) => {
      const account = await sandbox.newAccount();
      await sandbox.createCluster(account, cluster, REGION);
      // Polling every 0.5–1 s (not the default 2–10 s) keeps the comparison about parallelism, not poll phase.
      const env = { ...process.env, ...sandbox.cliEnv(account, REGION), AWS_ENDPOINT_URL: slow.url, IRSACTL_POLL_INTERVAL_MS: '500', IRSACTL_MAX_POLL_INTERVAL_MS: '1000' };
      const res = await irsactl(['create', 'iamserviceaccount', '-f', '-', '--approve'], env, clusterConfig(cluster, count, 5, 'w'));
      if (res.code !== 0) throw new Error(`create of ${count} failed:\n${res.stderr.slice(0, 2000)}`);
      return res.ms;
    };
    const one = await timeCreate('bench-wait-1', 1);
    const fifty = await timeCreate('bench-wait-50', 50);
    record('parallel waiting: create 50 SAs vs create 1', fifty / one, '× create 1', 1.5, {
      stackSeconds: stackMs / 1000,
      create1Ms: round(one),
      create50Ms: round(fifty),
      concurrency: 'default',
    });
  } finally {
    await slow.stop();
  }
}

const round = (x: number, digits = 1) => Number(x.toFixed(digits));

async function main(): Promise<number> {
  process.stdout.write(`irsactl bench — node ${process.version}, ${(await import('node:os')).cpus().length} cores${process.env.NODE_EXTRA_CA_CERTS ? ', NODE_EXTRA_CA_CERTS set' : ''}\n\n`);
  startup();
  planningLinearity();
  process.stdout.write('(starting the sandbox: moto, the rewriting proxy, Kubernetes test servers)\n');
  const sandbox = await startSandbox();
  const scratch = mkdtempSync(join(tmpdir(), 'irsactl-bench-'));
  try {
    await planning(sandbox, scratch);
    await apiEconomy(sandbox);
    await parallelWaiting(sandbox);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    await sandbox.stop();
  }
  const missed = figures.filter((f) => !f.met);
  writeFileSync(join(root, 'bench-results.json'), `${JSON.stringify({ date: new Date().toISOString(), node: process.version, figures }, null, 2)}\n`);
  process.stdout.write(`\n${missed.length === 0 ? 'every target met' : `missed ${missed.length} target(s): ${missed.map((f) => f.name).join('; ')}`}\n`);
  process.stdout.write('wrote bench-results.json\n');
  return missed.length > 0 && process.env.BENCH_STRICT === '1' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
