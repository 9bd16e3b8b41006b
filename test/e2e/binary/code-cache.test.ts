/**
 * The built binary on Node 20 loads its lazy bundle through V8's code cache (src/runtime/lazy-bundle.ts): the first
 * run of a command that needs the bundle writes one cache file, the next run reads it and leaves it alone (V8
 * accepted it), and the output is the same with the cache, without it, and with it turned off.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBinary } from './support.js';

let scratch: string;
beforeAll(() => {
  ensureBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'irsactl-binary-code-cache-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const nodeHasItsOwn = 'enableCompileCache' in createRequire(import.meta.url)('node:module');

describe.skipIf(nodeHasItsOwn)('the code cache of the built binary (Node without module.enableCompileCache)', () => {
  it('is written by the first run, reused by the next, and changes nothing printed', async () => {
    const dir = join(scratch, 'cache');
    const env = { IRSACTL_CODE_CACHE_DIR: dir };
    const first = await runBinary(['utils', 'schema'], env);
    expect(first.code, first.stderr).toBe(0);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const written = statSync(join(dir, files[0]!));
    expect(written.size).toBeGreaterThan(100_000);
    expect(written.mode & 0o077).toBe(0);

    const second = await runBinary(['utils', 'schema'], env);
    expect(second).toEqual(first);
    expect(readdirSync(dir)).toEqual(files);
    expect(statSync(join(dir, files[0]!)).mtimeMs).toBe(written.mtimeMs);

    const off = await runBinary(['utils', 'schema'], { IRSACTL_NO_CODE_CACHE: '1', IRSACTL_CODE_CACHE_DIR: join(scratch, 'unused') });
    expect(off).toEqual(first);
    expect(() => readdirSync(join(scratch, 'unused'))).toThrow();
  });

  it('--help does not load the bundle, so writes no cache', async () => {
    const dir = join(scratch, 'help-cache');
    const help = await runBinary(['--help'], { IRSACTL_CODE_CACHE_DIR: dir });
    expect(help.code).toBe(0);
    expect(() => readdirSync(dir)).toThrow();
  });
});
