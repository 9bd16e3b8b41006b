/**
 * Loads a CommonJS file through V8's code cache. Node 22 has module.enableCompileCache (bin/irsactl.js turns it on);
 * Node 20 has none, and compiling the lazy bundle (the AWS SDK, @kubernetes/client-node, zod, js-yaml and irsactl's
 * own code, 3 MB) is a large part of every command that talks to AWS. The cache is written once, at the end of the
 * first run, so that it holds every function that run compiled, not only the top level.
 *
 * It lives in a directory of the user's own (mode 0700, owned by them, not a symlink): V8 checks a cache only
 * against the source's length, so anyone who could write it could run code as the user. Its name carries the
 * bundle's sha256 (from the build), V8's version and the architecture; a cache V8 rejects is rewritten.
 * IRSACTL_NO_CODE_CACHE=1 (or Node's NODE_DISABLE_COMPILE_CACHE) turns it off; IRSACTL_CODE_CACHE_DIR moves it.
 */
import { isAscii } from 'node:buffer';
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

export type CodeCacheOutcome =
  /** turned off by the environment */
  | 'disabled'
  /** no directory of the user's own could be had (not theirs, open to others, or not creatable): compiled as usual */
  | 'unsafe-directory'
  /** no cache yet: compiled, and saveCache writes one */
  | 'absent'
  | 'accepted'
  /** V8 refused it (another build of V8 or other flags): compiled, and saveCache writes it anew */
  | 'rejected';

export interface LoadedWithCodeCache {
  exports: unknown;
  outcome: CodeCacheOutcome;
  /** writes the cache when there was none or V8 rejected it; best effort, never throws */
  saveCache(): void;
}

type Env = Record<string, string | undefined>;

/** The cache directory, created when missing; undefined when turned off or not safely the user's own. */
export function codeCacheDirectory(env: Env): { dir?: string; outcome?: 'disabled' | 'unsafe-directory' } {
  if (env.IRSACTL_NO_CODE_CACHE === '1' || (env.NODE_DISABLE_COMPILE_CACHE ?? '') !== '') return { outcome: 'disabled' };
  const dir = env.IRSACTL_CODE_CACHE_DIR || join(tmpdir(), `irsactl-code-cache-${userKey()}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = lstatSync(dir);
    const uid = process.getuid?.();
    const ours = st.isDirectory() && (uid === undefined || (st.uid === uid && (st.mode & 0o077) === 0));
    return ours ? { dir } : { outcome: 'unsafe-directory' };
  } catch {
    return { outcome: 'unsafe-directory' };
  }
}

function userKey(): string {
  const uid = process.getuid?.();
  if (uid !== undefined) return String(uid);
  try {
    return userInfo().username.replace(/[^A-Za-z0-9_-]/g, '_');
  } catch {
    return 'user';
  }
}

/**
 * Runs `file` as CommonJS (its own require, module, __filename, __dirname) with a code cache named by `key`
 * (the file's content hash). A missing, unreadable or unwritable cache only costs the compile it would have saved.
 */
export function loadWithCodeCache(file: string, key: string, env: Env): LoadedWithCodeCache {
  // esbuild writes ASCII (its default charset): decoded as Latin-1 then, in half the time of UTF-8 (3 vs 6 ms here)
  const bytes = readFileSync(file);
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const { dir, outcome: dirOutcome } = codeCacheDirectory(env);
  const cacheFile = dir === undefined ? undefined : join(dir, `${key}-${process.versions.v8}-${process.arch}.bin`);
  let cached: Buffer | undefined;
  if (cacheFile !== undefined) {
    try {
      cached = readFileSync(cacheFile);
    } catch {
      cached = undefined;
    }
  }
  // On a line of its own (lineOffset -1), so that the file's own lines and columns, and its source map, stay true.
  const wrapped = `(function (exports, require, module, __filename, __dirname) {\n${source}\n})`;
  const script = new Script(wrapped, { filename: file, lineOffset: -1, ...(cached ? { cachedData: cached } : {}) });
  const outcome: CodeCacheOutcome = dirOutcome ?? (cached === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'accepted');
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string) => void;
  const mod: { exports: unknown } = { exports: {} };
  run.call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file));
  return {
    exports: mod.exports,
    outcome,
    saveCache() {
      if (cacheFile === undefined || outcome === 'accepted') return;
      try {
        const temp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
        renameSync(temp, cacheFile);
      } catch {
        // a full or read-only disk: the next run compiles again
      }
    },
  };
}
