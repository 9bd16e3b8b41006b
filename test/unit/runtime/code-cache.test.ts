/**
 * The Node 20 code cache of the lazy bundle (src/runtime/code-cache.ts), on real files and real V8: what it runs,
 * when it writes and reuses a cache, and the directories it refuses. Each load runs in a fresh node: within one
 * process V8 answers a second compile of the same source from its own in-memory cache and never reads ours.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { transformSync } from 'esbuild';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { codeCacheDirectory, type CodeCacheOutcome } from '../../../src/runtime/code-cache.js';

// The module under test as plain ESM for the child processes (Node 20 runs no TypeScript).
let compiled: string;
beforeAll(() => {
  compiled = join(mkdtempSync(join(tmpdir(), 'irsactl-code-cache-module-')), 'code-cache.mjs');
  const source = readFileSync(resolve(import.meta.dirname, '../../../src/runtime/code-cache.ts'), 'utf8');
  writeFileSync(compiled, transformSync(source, { loader: 'ts', format: 'esm' }).code);
});
afterAll(() => rmSync(join(compiled, '..'), { recursive: true, force: true }));

interface Loaded {
  outcome: CodeCacheOutcome;
  exports: { where: string; doubled: number };
}
/** Loads `file` in a new node, calls the exported function, saves the cache as the CLI does at exit. */
function loadWithCodeCache(file: string, key: string, env: Record<string, string>): Loaded {
  const script = `import { loadWithCodeCache } from ${JSON.stringify(compiled)};
const l = loadWithCodeCache(${JSON.stringify(file)}, ${JSON.stringify(key)}, process.env);
const out = { outcome: l.outcome, exports: { where: l.exports.where, doubled: l.exports.twice(21) } };
l.saveCache();
process.stdout.write(JSON.stringify(out));`;
  const { IRSACTL_NO_CODE_CACHE: _a, NODE_DISABLE_COMPILE_CACHE: _b, IRSACTL_CODE_CACHE_DIR: _c, ...inherited } = process.env;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...inherited, ...env }, encoding: 'utf8' })) as Loaded;
}

let scratch: string;
let file: string;
beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'irsactl-code-cache-test-'));
  file = join(scratch, 'bundle.cjs');
  // A module that uses all of its CommonJS arguments, and a function compiled lazily (called after the load).
  writeFileSync(file, "const path = require('node:path');\nexports.where = path.basename(__filename) + ' in ' + path.basename(__dirname);\nmodule.exports.twice = (x) => x * 2;\n");
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

const envWith = (dir: string) => ({ IRSACTL_CODE_CACHE_DIR: dir });

describe('loadWithCodeCache', () => {
  it('reads a file that is not ASCII as UTF-8 (an ASCII one is read as Latin-1, the faster decoding)', () => {
    writeFileSync(file, "exports.where = 'caf\u00e9 \u2192 \u{1F680}';\nexports.twice = (x) => x * 2;\n");
    expect(readFileSync(file).some((b) => b >= 0x80)).toBe(true);
    const loaded = loadWithCodeCache(file, 'k-utf8', envWith(join(scratch, 'cache')));
    expect(loaded.exports).toEqual({ where: 'caf\u00e9 \u2192 \u{1F680}', doubled: 42 });
  });

  it('runs the file as CommonJS, writes a cache once, and V8 accepts it on the next load', () => {
    const dir = join(scratch, 'cache');
    const first = loadWithCodeCache(file, 'k1', envWith(dir));
    expect(first.exports).toEqual({ where: `bundle.cjs in ${scratch.split('/').pop()}`, doubled: 42 });
    expect(first.outcome).toBe('absent');
    const written = readdirSync(dir);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(new RegExp(`^k1-${process.versions.v8.replace(/\./g, '\\.')}-${process.arch}\\.bin$`));

    const second = loadWithCodeCache(file, 'k1', envWith(dir));
    expect(second).toEqual({ ...first, outcome: 'accepted' });
    expect(readdirSync(dir)).toEqual(written); // nothing written anew, no temporary file left
  });

  it('a cache V8 refuses (corrupt) is compiled around and written anew', () => {
    const dir = join(scratch, 'cache');
    loadWithCodeCache(file, 'k2', envWith(dir));
    const [name] = readdirSync(dir);
    writeFileSync(join(dir, name!), Buffer.from('not a code cache at all, but of some length to look like one'));
    const again = loadWithCodeCache(file, 'k2', envWith(dir));
    expect(again.outcome).toBe('rejected');
    expect(again.exports.doubled).toBe(42);
    expect(loadWithCodeCache(file, 'k2', envWith(dir)).outcome).toBe('accepted');
  });

  it('another key (another build of the bundle) does not reuse the cache', () => {
    const dir = join(scratch, 'cache');
    loadWithCodeCache(file, 'build-a', envWith(dir));
    expect(loadWithCodeCache(file, 'build-b', envWith(dir)).outcome).toBe('absent');
  });

  it('is off with IRSACTL_NO_CODE_CACHE=1 or NODE_DISABLE_COMPILE_CACHE, and still runs the file', () => {
    const dir = join(scratch, 'cache');
    for (const env of [{ ...envWith(dir), IRSACTL_NO_CODE_CACHE: '1' }, { ...envWith(dir), NODE_DISABLE_COMPILE_CACHE: '1' }]) {
      const loaded = loadWithCodeCache(file, 'k3', env);
      expect(loaded.outcome).toBe('disabled');
      expect(loaded.exports.doubled).toBe(42);
    }
    expect(() => readdirSync(dir)).toThrow();
  });
});

describe('codeCacheDirectory', () => {
  it.skipIf(process.getuid === undefined)('refuses a directory others may write to, and a symlink, and uses neither', () => {
    const open = join(scratch, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(codeCacheDirectory(envWith(open))).toEqual({ outcome: 'unsafe-directory' });
    const link = join(scratch, 'link');
    const target = join(scratch, 'target');
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, link);
    expect(codeCacheDirectory(envWith(link))).toEqual({ outcome: 'unsafe-directory' });
    const loaded = loadWithCodeCache(file, 'k4', envWith(open));
    expect(loaded.outcome).toBe('unsafe-directory');
    expect(readdirSync(open)).toEqual([]);
  });

  it('makes a missing directory with mode 0700', () => {
    const dir = join(scratch, 'new', 'cache');
    expect(codeCacheDirectory(envWith(dir))).toEqual({ dir });
  });
});
