/**
 * The built binary on Node 20 loads its front (src/boot.ts) and its lazy bundle (src/runtime/lazy-bundle.ts) through
 * V8's code cache: the first run of a command writes a cache file for each bundle it loaded, named by that bundle's
 * sha256; the next run reads them and leaves them alone (V8 accepted them), and the output is the same with the
 * cache, without it, and with it turned off.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runBinary } from './support.js';

let scratch: string;
beforeAll(() => {
  ensureBuilt();
  scratch = mkdtempSync(join(tmpdir(), 'irsactl-binary-code-cache-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const DIST = resolve(import.meta.dirname, '../../../dist');
/** The cache file's name starts with the first 32 hex digits of its bundle's sha256. */
const cacheKeyOf = (bundle: 'front.cjs' | 'lazy.cjs') => createHash('sha256').update(readFileSync(join(DIST, bundle), 'utf8')).digest('hex').slice(0, 32);

const nodeHasItsOwn = 'enableCompileCache' in createRequire(import.meta.url)('node:module');

describe.skipIf(nodeHasItsOwn)('the code cache of the built binary (Node without module.enableCompileCache)', () => {
  it('is written by the first run, reused by the next, and changes nothing printed', async () => {
    const dir = join(scratch, 'cache');
    const env = { IRSACTL_CODE_CACHE_DIR: dir };
    const first = await runBinary(['utils', 'schema'], env);
    expect(first.code, first.stderr).toBe(0);
    const files = readdirSync(dir).sort();
    expect(files.map((f) => f.slice(0, 32)).sort()).toEqual([cacheKeyOf('front.cjs'), cacheKeyOf('lazy.cjs')].sort());
    const written = files.map((f) => statSync(join(dir, f)));
    for (const w of written) expect(w.mode & 0o077).toBe(0);
    const lazyCache = written[files.findIndex((f) => f.startsWith(cacheKeyOf('lazy.cjs')))]!;
    expect(lazyCache.size).toBeGreaterThan(100_000);

    const second = await runBinary(['utils', 'schema'], env);
    expect(second).toEqual(first);
    expect(readdirSync(dir).sort()).toEqual(files);
    expect(files.map((f) => statSync(join(dir, f)).mtimeMs)).toEqual(written.map((w) => w.mtimeMs));

    const off = await runBinary(['utils', 'schema'], { IRSACTL_NO_CODE_CACHE: '1', IRSACTL_CODE_CACHE_DIR: join(scratch, 'unused') });
    expect(off).toEqual(first);
    expect(() => readdirSync(join(scratch, 'unused'))).toThrow();
  });

  it('--help loads only the front, so writes only its cache', async () => {
    const dir = join(scratch, 'help-cache');
    const help = await runBinary(['--help'], { IRSACTL_CODE_CACHE_DIR: dir });
    expect(help.code).toBe(0);
    expect(readdirSync(dir).map((f) => f.slice(0, 32))).toEqual([cacheKeyOf('front.cjs')]);
    const again = await runBinary(['--help'], { IRSACTL_CODE_CACHE_DIR: dir });
    expect(again).toEqual(help);
  });
});
