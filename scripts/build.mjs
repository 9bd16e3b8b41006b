// Builds irsactl into dist/ with esbuild, in two parts:
// - dist/cli.cjs, the front: commander and the command definitions, in CommonJS so that `irsactl --help`
//   starts without Node's ESM loader (about 20 M instructions, 4% of `node -e 0`);
// - dist/lazy/**, every module the front loads with import() (the config loader, the actions, the AWS SDK,
//   @kubernetes/client-node), as ESM chunks that share code, loaded only by the commands that need them.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';

rmSync('dist', { recursive: true, force: true });
const src = resolve('src');
const requireBanner = "import { createRequire as __irsactlCreateRequire } from 'node:module'; const require = __irsactlCreateRequire(import.meta.url);";

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

// node-fetch 2 (client-node's and http-library.ts's fetch) loads whatwg-url, a URL polyfill with a 260 KB Unicode
// table (tr46), only to fall back on it where Node has no URL of its own (`Url.URL || whatwgUrl.URL`); every Node
// irsactl runs on has one. Give it Node's, and the chunk every Kubernetes command parses is that much smaller.
const nodeUrlForNodeFetch = {
  name: 'node-url-for-node-fetch',
  setup(b) {
    b.onResolve({ filter: /^whatwg-url$/ }, (args) =>
      args.importer.includes('/node_modules/node-fetch/') ? { path: 'whatwg-url', namespace: 'irsactl-node-url' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'irsactl-node-url' }, () => ({ contents: "module.exports = { URL: require('node:url').URL };", loader: 'js' }));
  },
};

// Every import() in the front becomes an external import of its ESM chunk, collected for the second build.
const lazyEntries = new Set();
const splitAtDynamicImports = {
  name: 'split-at-dynamic-imports',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const file = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      lazyEntries.add(file);
      return { path: `./lazy/${relative(src, file).replace(/\.ts$/, '.js')}`, external: true };
    });
  },
};

await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [lazyChildProcessForCommander, splitAtDynamicImports],
});

// esbuild gives a CommonJS module loaded with import() only a default export (its named exports are unknown until it
// runs), where Node's own loader and the tests, which run the source, see named ones: `const { f } = await import(pkg)`
// then works in the tests and is undefined in dist. Such a module must be imported statically; fail the build otherwise.
function assertNoDynamicImportOfCommonJs(metafile) {
  const offenders = Object.entries(metafile.inputs).flatMap(([importer, input]) =>
    input.imports
      .filter((imp) => imp.kind === 'dynamic-import' && metafile.inputs[imp.path]?.format === 'cjs')
      .map((imp) => `${importer}: import('${imp.original ?? imp.path}') is CommonJS (${imp.path})`),
  );
  if (offenders.length > 0) {
    throw new Error(`dynamic import() of CommonJS gets only a default export in the bundle; import these statically:\n  ${offenders.join('\n  ')}`);
  }
}

const lazy = await build({
  metafile: true,
  entryPoints: [...lazyEntries],
  outbase: src,
  outdir: 'dist/lazy',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  banner: { js: requireBanner },
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [nodeUrlForNodeFetch],
});
assertNoDynamicImportOfCommonJs(lazy.metafile);

// The sandbox (moto, the rewriting proxy, the Kubernetes test server) for `npm run demo`, `npm run sandbox` (with the
// kubeconfig's token plugin) and `npm run bench`.
await build({
  entryPoints: {
    'sandbox/demo': 'sandbox/demo.ts',
    'sandbox/shell': 'sandbox/shell.ts',
    'sandbox/kube-token': 'sandbox/kube-token.ts',
    'sandbox/bench': 'scripts/bench.ts',
    'sandbox/bench-scale': 'scripts/bench-scale.ts',
  },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
