#!/usr/bin/env node
// The SDK's Node-version notice is not ours to print on every run.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
import('node:module')
  .then((m) => m.enableCompileCache?.())
  .catch(() => {})
  .then(() => import('../dist/cli.js'))
  .catch((err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
      process.stderr.write('irsactl is not built: run `npm run build` first\n');
      process.exit(1);
    }
    throw err;
  });
