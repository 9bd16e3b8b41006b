/**
 * `npm run sandbox` (issue 18, item 7): the built dist/sandbox/shell.js prints `export` lines that are enough for the
 * real irsactl binary and the real kubectl (through the kubeconfig it writes), and on SIGINT stops every process it
 * started: itself and its moto_server, checked by PID.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT, ensureBuilt, runBin } from '../support/bin.js';

const SHELL = join(ROOT, 'dist/sandbox/shell.js');
const READY_TIMEOUT_MS = 50_000;

let child: ChildProcess;
let stdout = '';
let stderr = '';
let exited: Promise<number | null>;

/** The environment the printed `export NAME='value'` lines set, parsed as a POSIX shell would. */
function exportsOf(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/^export ([A-Z0-9_]+)='((?:[^']|'\\'')*)'$/gm)) env[m[1] as string] = (m[2] as string).replaceAll(`'\\''`, "'");
  return env;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stderr:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  ensureBuilt();
  if (!existsSync(SHELL)) execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'ignore' });
  child = spawn(process.execPath, [SHELL], { env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  exited = new Promise((res) => child.on('exit', (code) => res(code)));
  await until(() => /^export KUBECONFIG=/m.test(stdout), READY_TIMEOUT_MS, 'the export lines');
}, READY_TIMEOUT_MS + 10_000);

afterAll(() => {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

it('prints exports for irsactl, the aws CLI and kubectl; both tools work with them; SIGINT stops what it started', async () => {
  const env = exportsOf(stdout);
  expect(Object.keys(env)).toEqual(expect.arrayContaining(['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'KUBECONFIG']));
  expect(stderr).toContain(`kubeconfig for kubectl: ${env.KUBECONFIG}`);
  expect(readFileSync(env.KUBECONFIG as string, 'utf8')).toContain('kind: Config');
  const motoPid = Number(/moto_server: pid (\d+)/.exec(stderr)?.[1]);
  expect(alive(motoPid)).toBe(true);

  const get = await runBin(['get', 'iamserviceaccount', '--cluster', 'sandbox'], { ...env, NO_COLOR: '1' });
  expect(get.stderr).toContain('No iamserviceaccounts found');
  expect(get.code).toBe(0);

  const kubectl = execFileSync('kubectl', ['get', 'serviceaccounts', '-n', 'kube-system', '-o', 'name'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
  });
  expect(kubectl.trim()).toBe('serviceaccount/default');

  // The aws CLI reads AWS_DEFAULT_REGION and AWS_ENDPOINT_URL: the sandbox's account answers.
  const identity = execFileSync('aws', ['sts', 'get-caller-identity', '--query', 'Account', '--output', 'text'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: 'utf8',
  });
  expect(identity.trim()).toMatch(/^\d{12}$/);

  child.kill('SIGINT');
  expect(await exited).toBe(0);
  expect(stderr).toContain('Sandbox stopped.');
  expect(alive(child.pid as number)).toBe(false);
  await until(() => !alive(motoPid), 10_000, `moto_server (pid ${motoPid}) to end`);
  expect(existsSync(env.KUBECONFIG as string)).toBe(false);
}, 60_000);
