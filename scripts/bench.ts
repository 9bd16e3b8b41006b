/**
 * `npm run bench` (issues #6 and #19): the performance figures, each measured side by side in one run on this
 * machine (absolute times are noisy here), against its target. Runs the built binary (bin/irsactl.js) as a user
 * would, against the sandbox (moto, the rewriting proxy, a Kubernetes test server; for waiting also
 * sandbox/latency.ts); the scale figures run dist/sandbox/bench-scale.js. Prints a table, says which targets are
 * missed, writes bench-results.json.
 *
 * BENCH_RUNS (start-up runs per command, default 30), BENCH_PLAN_RUNS (default 5), BENCH_STACK_SECONDS (how long
 * each stack takes in the latency layer, comma-separated, default 8,20), BENCH_UNRELATED_STACKS (the crowded
 * region, default 1000), BENCH_SCALE_RUNS (default 3), BENCH_BIN (another build's bin/irsactl.js, for figures
 * before a change), BENCH_STRICT=1 (exit 1 on a missed target).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { startStackLatency } from '../sandbox/latency.js';
import { resolveConfig } from '../src/config/resolve.js';
import { planServiceAccounts } from '../src/actions/plan.js';
import { convergeDocument } from '../src/actions/run-document.js';
import { oidcInfoFrom } from '../src/model/oidc.js';
import { fillRegion } from '../sandbox/crowd.js';
import type { MotoAccount } from '../sandbox/moto.js';
import { clusterConfig } from './bench-config.js';

const root = resolve(import.meta.dirname, '..', '..');
const bin = resolve(process.env.BENCH_BIN ?? join(root, 'bin', 'irsactl.js'));
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

/**
 * CPU time of a child process (user + system, its threads included), written at its exit by a preloaded script:
 * on a loaded shared machine wall times swing with the others' work, CPU time much less.
 */
const usageDir = mkdtempSync(join(tmpdir(), 'irsactl-bench-usage-'));
const usagePreload = join(usageDir, 'usage.cjs');
writeFileSync(usagePreload, "process.on('exit', () => { const u = process.resourceUsage(); require('node:fs').writeFileSync(process.env.IRSACTL_BENCH_USAGE_FILE, String((u.userCPUTime + u.systemCPUTime) / 1000)); });\n");
let usageRuns = 0;

interface ChildRun {
  ms: number;
  /** CPU time of the child, ms */
  cpuMs: number;
  exitAt: number;
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs node with `args` asynchronously (the sandbox's servers live in this process and must keep answering). */
function runNode(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<ChildRun> {
  const usageFile = join(usageDir, `run-${usageRuns++}`);
  return new Promise((done) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, ['--require', usagePreload, ...args], { env: { ...env, IRSACTL_BENCH_USAGE_FILE: usageFile }, cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      let cpuMs = Number.NaN;
      try {
        cpuMs = Number(readFileSync(usageFile, 'utf8'));
        rmSync(usageFile, { force: true });
      } catch {
        // no usage written (killed): NaN
      }
      done({ ms, cpuMs, exitAt: Date.now(), code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(stdin ?? '');
  });
}

const irsactl = (args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<ChildRun> => runNode([bin, ...args], env, stdin);
const nodeBaseline = (): Promise<ChildRun> => runNode(['-e', '0'], process.env);

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
  record('start-up: irsactl --help', t.help! / t.node!, '× node -e 0', 1.15, detail('help'));
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
  record('start-up: irsactl --help, CPU instructions', help / node, '× node -e 0', 1.15, { instructions: help, nodeInstructions: node });
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
  const nodeCpu: number[] = [];
  const planCpu: number[] = [];
  for (let r = -1; r < rounds; r++) {
    const base = await nodeBaseline();
    const res = await irsactl(['create', 'iamserviceaccount', '-f', file, '-o', 'json'], env);
    if (res.code !== 0) throw new Error(`plan of 1000 failed (exit ${res.code}):\n${res.stderr.slice(0, 2000)}`);
    const planned = ((JSON.parse(res.stdout) as { items?: unknown[] }).items ?? []).length;
    if (planned !== 1000) throw new Error(`plan of 1000 listed ${planned} service accounts`);
    if (r < 0) continue; // warm-up: moto's first answers are slow
    nodeTimes.push(base.ms);
    planTimes.push(res.ms);
    nodeCpu.push(base.cpuMs);
    planCpu.push(res.cpuMs);
  }
  const node = median(nodeTimes);
  const t1000 = median(planTimes);
  const detail = { medianMs: round(t1000), nodeMedianMs: round(node), cpuMs: round(median(planCpu)), nodeCpuMs: round(median(nodeCpu)), runs: rounds };
  record('planning: create -f (1,000 SAs) -o json', t1000 / node, '× node -e 0', 6, detail);
  record('planning: create -f (1,000 SAs) -o json, CPU time', median(planCpu) / median(nodeCpu), '× node -e 0', 6, detail);
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

/** AWS requests of one run by `service:action`, counted at the sandbox's proxy; ListStacks pages apart. */
function countAws(sandbox: Sandbox): { total: number; listStacks: number; unnamedDescribes: number; byAction: Record<string, number> } {
  const byAction: Record<string, number> = {};
  for (const q of sandbox.proxy.requests) byAction[`${q.service}:${q.action}`] = (byAction[`${q.service}:${q.action}`] ?? 0) + 1;
  const unnamedDescribes = sandbox.proxy.requests.filter((q) => q.action === 'DescribeStacks' && !q.params?.StackName).length;
  return { total: sandbox.proxy.requests.length, listStacks: byAction['cloudformation:ListStacks'] ?? 0, unnamedDescribes, byAction };
}

async function mustRun(what: string, args: string[], env: NodeJS.ProcessEnv, stdin?: string) {
  const res = await irsactl(args, env, stdin);
  if (res.code !== 0) throw new Error(`${what} failed (exit ${res.code}):\n${res.stderr.slice(0, 2000)}`);
  return res;
}

/**
 * Cost independent of the account (issue 19 target 2): a region holding BENCH_UNRELATED_STACKS stacks that are not
 * the cluster's. An apply creating 50 service accounts there, every AWS request counted; and a `get` of a cluster
 * with 10 service accounts, against the same in an empty region, ListStacks (whose pages grow with the region) apart.
 */
async function apiEconomy(sandbox: Sandbox): Promise<void> {
  const unrelated = envInt('BENCH_UNRELATED_STACKS', 1000);
  const crowded = await sandbox.newAccount();
  const t0 = performance.now();
  await fillRegion(sandbox.motoUrl, crowded, REGION, 'bench-economy', unrelated);
  process.stdout.write(`(filled the crowded region with ${unrelated} stacks in ${(performance.now() - t0) / 1000} s)\n`);

  const count = 50;
  const cluster = await sandbox.createCluster(crowded, 'bench-economy', REGION);
  const env = { ...process.env, ...sandbox.cliEnv(crowded, REGION) };
  sandbox.proxy.resetLog();
  cluster.kube.resetLog();
  await mustRun(`apply of ${count}`, ['apply', '-f', '-', '--approve'], env, clusterConfig('bench-economy', count, 5));
  const aws = countAws(sandbox);
  const byRoute: Record<string, number> = {};
  for (const q of cluster.kube.requests) {
    const route = `${q.method} ${q.path.replace(/\/namespaces\/[^/]+/, '/namespaces/{ns}').replace(/\/serviceaccounts\/[^/]+/, '/serviceaccounts/{name}')}`;
    byRoute[route] = (byRoute[route] ?? 0) + 1;
  }
  record(`API economy: AWS requests per SA (apply of ${count}, ${unrelated} other stacks)`, aws.total / count, 'requests', 3, { total: aws.total, byAction: aws.byAction, unrelatedStacks: unrelated });
  record('API economy: DescribeStacks without a StackName', aws.unnamedDescribes, 'requests', 0, {});
  record(`API economy: Kubernetes requests per SA (apply of ${count})`, cluster.kube.requests.length / count, 'requests', 4, { total: cluster.kube.requests.length, byRoute });
  const once = ['eks:DescribeCluster', 'iam:GetOpenIDConnectProvider'];
  const repeated = once.filter((a) => (aws.byAction[a] ?? 0) > 1);
  record('API economy: one-off lookups made more than once', repeated.length, 'lookups', 0, { lookups: Object.fromEntries(once.map((a) => [a, aws.byAction[a] ?? 0])) });

  // get of 10: the same cluster name with the same 10 service accounts in the crowded and in an empty region
  const getCost = async (account: MotoAccount) => {
    await sandbox.createCluster(account, 'bench-get', REGION);
    const e = { ...process.env, ...sandbox.cliEnv(account, REGION) };
    await mustRun('apply of 10', ['apply', '-f', '-', '--approve'], e, clusterConfig('bench-get', 10, 2));
    sandbox.proxy.resetLog();
    await mustRun('get of 10', ['get', 'iamserviceaccount', '--cluster', 'bench-get', '-o', 'json'], e);
    return countAws(sandbox);
  };
  const inCrowded = await getCost(crowded);
  const inEmpty = await getCost(await sandbox.newAccount());
  const extra = inCrowded.total - inCrowded.listStacks - (inEmpty.total - inEmpty.listStacks);
  record(`API economy: get of 10 SAs, extra requests beside ListStacks pages (${unrelated} other stacks vs none)`, extra, 'requests', 0, {
    crowded: inCrowded.byAction,
    empty: inEmpty.byAction,
  });
}

/**
 * Latency to notice (issue 19 target 1): each stack takes S seconds in the latency layer, irsactl polls on its own
 * defaults. The figure is S plus the time from the moment the run's last stack finished (its creation as moto
 * answered it, plus S) to the exit of irsactl: everything after CloudFormation is done, the poll's wait, the final
 * DescribeStacks and the ServiceAccounts included. The run's own start-up and its CreateStacks come before and are
 * not counted. For 50, also the AWS requests per service account with real waiting.
 */
async function latencyToNotice(sandbox: Sandbox): Promise<void> {
  const seconds = (process.env.BENCH_STACK_SECONDS ?? '8,20').split(',').map(Number).filter((n) => n > 0);
  for (const s of seconds) {
    const slow = await startStackLatency(sandbox.proxyUrl, { stackCreateMs: s * 1000 });
    try {
      for (const count of [1, 50]) {
        const name = `bench-wait-${s}-${count}`;
        const account = await sandbox.newAccount();
        await sandbox.createCluster(account, name, REGION);
        const env = { ...process.env, ...sandbox.cliEnv(account, REGION), AWS_ENDPOINT_URL: slow.url };
        sandbox.proxy.resetLog();
        const res = await mustRun(`create of ${count}`, ['create', 'iamserviceaccount', '-f', '-', '--approve'], env, clusterConfig(name, count, 5, 'w'));
        const aws = countAws(sandbox);
        const created = [...slow.createdAt].filter(([stack]) => stack.startsWith(`eksctl-${name}-addon-`)).map(([, at]) => at);
        if (created.length !== count) throw new Error(`create of ${count}: the latency layer saw ${created.length} stacks`);
        const lastDone = Math.max(...created) + s * 1000;
        const noticed = s + (res.exitAt - lastDone) / 1000;
        record(`latency to notice: create ${count} SA${count > 1 ? 's' : ''}, stacks of ${s} s`, noticed, 's', s + (count === 1 ? 1.5 : 3), {
          stackSeconds: s,
          afterLastStackMs: round(res.exitAt - lastDone),
          runMs: round(res.ms),
          creationsSpreadMs: round(Math.max(...created) - Math.min(...created)),
          awsRequests: aws.byAction,
        });
        if (count > 1) record(`latency to notice: AWS requests per SA (create ${count}, stacks of ${s} s)`, aws.total / count, 'requests', 3, { total: aws.total, byAction: aws.byAction });
      }
    } finally {
      await slow.stop();
    }
  }
}

/**
 * Scale (issue 19 target 4): a plan and an apply of 5,000 service accounts against 500, each in its own process
 * (dist/sandbox/bench-scale.js, irsactl in-process on the in-memory ports), medians of BENCH_SCALE_RUNS. Ratios of
 * time and of resident-set growth: 10 is linear in the accounts (fixed costs make a linear run score below it), a
 * quadratic step would score far above.
 */
function scale(): void {
  const runs = envInt('BENCH_SCALE_RUNS', 3);
  // beside the binary measured, so that BENCH_BIN measures that build's code here too
  const script = join(dirname(bin), '..', 'dist', 'sandbox', 'bench-scale.js');
  const one = (mode: string, count: number) => {
    const r = spawnSync(process.execPath, [script, mode, String(count)], { cwd: root, encoding: 'utf8', env: process.env, maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`bench-scale ${mode} ${count} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as { wallMs: number; cpuMs: number; rssGrowthBytes: number; peakRssBytes: number };
  };
  for (const mode of ['plan', 'apply']) {
    const small: ReturnType<typeof one>[] = [];
    const large: ReturnType<typeof one>[] = [];
    for (let i = 0; i < runs; i++) {
      small.push(one(mode, 500));
      large.push(one(mode, 5000));
    }
    const m = (xs: ReturnType<typeof one>[], k: 'wallMs' | 'cpuMs' | 'rssGrowthBytes') => median(xs.map((x) => x[k]));
    const detail = {
      wallMs500: round(m(small, 'wallMs')),
      wallMs5000: round(m(large, 'wallMs')),
      cpuMs500: round(m(small, 'cpuMs')),
      cpuMs5000: round(m(large, 'cpuMs')),
      rssGrowthMB500: round(m(small, 'rssGrowthBytes') / 2 ** 20),
      rssGrowthMB5000: round(m(large, 'rssGrowthBytes') / 2 ** 20),
      runs,
    };
    // CPU time, not wall: on this shared machine a half-second run's wall time swings with the others' load.
    record(`scale: ${mode} of 5,000 SAs vs 500, CPU time`, m(large, 'cpuMs') / m(small, 'cpuMs'), '× (10 = linear)', 10, detail);
    record(`scale: ${mode} of 5,000 SAs vs 500, memory growth`, m(large, 'rssGrowthBytes') / m(small, 'rssGrowthBytes'), '× (10 = linear)', 10, detail);
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
    await latencyToNotice(sandbox);
    scale();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    rmSync(usageDir, { recursive: true, force: true });
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
