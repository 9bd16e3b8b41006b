/**
 * One run for the bench's scale figures (issue 19 target 4): `node dist/sandbox/bench-scale.js plan|apply N` runs
 * irsactl in this process, its real code from the command line down, against the in-memory AWS and Kubernetes ports
 * of the unit tier (moto would need ~12 minutes and its own quadratic role scan for 5,000 stacks, measuring moto),
 * and prints what the run cost: wall and CPU time and how much the resident set grew to its peak.
 */
import { memoryCluster } from '../test/support/memory-cli.js';
import { clusterConfig } from './bench-config.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [mode, countText] = process.argv.slice(2);
const count = Number(countText);
if ((mode !== 'plan' && mode !== 'apply') || !Number.isInteger(count) || count < 1) {
  process.stderr.write('usage: bench-scale.js plan|apply N\n');
  process.exit(2);
}
const scratch = mkdtempSync(join(tmpdir(), 'irsactl-bench-scale-'));
try {
  const file = join(scratch, 'cluster.yaml');
  writeFileSync(file, clusterConfig('scale', count, 10));
  const c = memoryCluster({ cluster: 'scale', region: 'us-west-2' });
  const argv = mode === 'plan' ? ['create', 'iamserviceaccount', '-f', file, '-o', 'json'] : ['apply', '-f', file, '--approve', '-o', 'json'];
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await c.run(argv);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const peakRss = process.resourceUsage().maxRSS * 1024;
  if (r.code !== 0) throw new Error(`${mode} of ${count} exited ${r.code}: ${r.stderr.slice(0, 1000)}`);
  const listed = ((JSON.parse(r.stdout) as { items?: unknown[] }).items ?? []).length;
  if (listed !== count) throw new Error(`${mode} of ${count} listed ${listed} service accounts`);
  process.stdout.write(`${JSON.stringify({ mode, count, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, rssGrowthBytes: peakRss - rssBefore, peakRssBytes: peakRss })}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
