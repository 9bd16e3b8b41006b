#!/usr/bin/env node
// CommonJS (bin/package.json) so that start-up needs no ESM loader; the commands load their ESM chunks lazily.
'use strict';
// The SDK's Node-version notice is not ours to print on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// Node 22+ caches compiled code between runs; Node 20 has no such switch.
require('node:module').enableCompileCache?.();
try {
  require('../dist/cli.cjs');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.cjs')) {
    process.stderr.write('irsactl is not built: run `npm run build` first\n');
    process.exit(1);
  }
  throw err;
}
