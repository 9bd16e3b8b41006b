/**
 * The built CLI's way to its lazy bundle (scripts/build.mjs): dist/front.cjs holds commander and the command
 * definitions (boot.ts loads it the same way), and each import() of theirs becomes
 * lazyModule(dir, 'actions/converge', sha256) — one module of dist/lazy.cjs, the bundle of everything else, whose
 * modules are each run only when first asked for. The bundle is loaded once, through Node's compile cache where there
 * is one (Node 22), else through ours (code-cache.ts). Only the build uses this file; the tests run the source, whose
 * import()s stay import()s.
 */
import { createRequire } from 'node:module';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { loadWithCodeCache } from './code-cache.js';

type LazyModules = Record<string, () => unknown>;
let modules: LazyModules | undefined;

export function lazyModule(distDir: string, name: string, bundleSha256: string): unknown {
  modules ??= loadCommonJsBundle(join(distDir, 'lazy.cjs'), bundleSha256) as LazyModules;
  const load = modules[name];
  if (load === undefined) throw new Error(`irsactl's build has no module ${name} in its lazy bundle: rebuild it (npm run build)`);
  return load();
}

/** One of the build's CommonJS bundles (the lazy one, or the front from boot.ts): its exports. */
export function loadCommonJsBundle(file: string, sha256: string): unknown {
  if ('enableCompileCache' in nodeModule) return createRequire(file)(file);
  const loaded = loadWithCodeCache(file, sha256.slice(0, 32), process.env);
  process.once('exit', () => loaded.saveCache());
  return loaded.exports;
}
