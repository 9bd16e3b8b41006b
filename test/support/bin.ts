import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The built binary, as users run it: `npm test` builds first; a lone `npx vitest run` of one file may not have. */
export const ROOT = resolve(import.meta.dirname, '../..');
export const BIN = join(ROOT, 'bin/irsactl.js');

export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/cli.cjs'))) execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'ignore' });
}

export interface BinRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** wall time, for reporting only: never asserted */
  ms: number;
}

/** Spawns bin/irsactl.js with exactly `env` (plus PATH and HOME). */
export function spawnBin(args: string[], env: Record<string, string | undefined>): { child: ChildProcess; done: Promise<BinRun> } {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<BinRun>((res) => child.on('exit', (code, signal) => res({ code, signal, stdout, stderr, ms: Date.now() - started })));
  return { child, done };
}

export const runBin = (args: string[], env: Record<string, string | undefined>): Promise<BinRun> => spawnBin(args, env).done;
