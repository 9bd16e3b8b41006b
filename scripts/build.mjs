// Bundles the CLI into dist/ with esbuild: one small entry chunk for start-up,
// with the AWS SDK and @kubernetes/client-node split into chunks loaded only by
// the commands that use them (dynamic import()).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

// commander requires node:child_process at load (only for executable subcommands, which irsactl
// has none of); loading it pulls in net, dgram and streams, a few ms of every start. Defer it.
const lazyChildProcessForCommander = {
  name: 'lazy-child-process-for-commander',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      args.importer.includes('/node_modules/commander/') ? { path: 'lazy-child-process', namespace: 'irsactl-shim' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'irsactl-shim' }, () => ({
      contents: "module.exports = { get spawn() { return require('node:child_process').spawn; } };",
      loader: 'js',
    }));
  },
};

rmSync('dist', { recursive: true, force: true });
const banner = { js: "import { createRequire as __irsactlCreateRequire } from 'node:module'; const require = __irsactlCreateRequire(import.meta.url);" };
await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  banner,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [lazyChildProcessForCommander],
});
// The sandbox (moto, the rewriting proxy, the Kubernetes test server) for `npm run demo` and `npm run bench`.
await build({
  entryPoints: { 'sandbox/demo': 'sandbox/demo.ts', 'sandbox/bench': 'scripts/bench.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
