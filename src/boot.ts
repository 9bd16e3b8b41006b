/**
 * The built binary's entry (dist/cli.cjs, required by bin/irsactl.js): runs the front (dist/front.cjs: commander, the
 * command definitions and src/cli.ts) through the same code cache as the lazy bundle (lazy-bundle.ts). Compiling the
 * front's 90 KB and the functions `--help` runs was about a sixth of its start-up beyond `node -e 0`. Only the build
 * uses this file; __IRSACTL_FRONT_SHA256__ is the front's hash, put in by scripts/build.mjs.
 */
import { join } from 'node:path';
import { loadCommonJsBundle } from './runtime/lazy-bundle.js';

declare const __IRSACTL_FRONT_SHA256__: string;

loadCommonJsBundle(join(__dirname, 'front.cjs'), __IRSACTL_FRONT_SHA256__);
