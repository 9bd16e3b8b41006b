// Builds irsactl into dist/ with esbuild, in three parts:
// - dist/cli.cjs (src/boot.ts), the entry: runs the front through the code cache below;
// - dist/front.cjs, the front: commander and the command definitions, in CommonJS so that `irsactl --help`
//   starts without Node's ESM loader (about 20 M instructions, 4% of `node -e 0`);
// - dist/lazy.cjs, every module the front loads with import() (the config loader, the actions, the AWS SDK,
//   @kubernetes/client-node), one CommonJS bundle whose modules each run only when first asked for. One file, so
//   that it can go through V8's code cache on Node 20 (src/runtime/lazy-bundle.ts, code-cache.ts): compiling it
//   was a third of a plan's CPU time. Each import() of the front becomes lazyModule(__dirname, name, sha256).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';

rmSync('dist', { recursive: true, force: true });
const src = resolve('src');

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

// A script run through the code cache (vm.Script) has no import() of its own: Node 20 would need the experimental
// vm modules for it. The SDK imports node:http and node:async_hooks that way (for IMDS credentials, say); make those
// require()s, and fail the build on any import() left in the lazy bundle.
const builtinImportsAsRequire = {
  name: 'builtin-imports-as-require',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, namespace: 'irsactl-builtin' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'irsactl-builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

// Every import() in the front becomes a module of the lazy bundle, named by its path under src/ without extension.
const lazyEntries = new Map(); // name -> absolute .ts path
const lazyBundleLoader = resolve(src, 'runtime/lazy-bundle.ts');
function splitAtDynamicImports(bundleSha256) {
  return {
    name: 'split-at-dynamic-imports',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const file = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
        const name = relative(src, file).replace(/\.ts$/, '');
        lazyEntries.set(name, file);
        return { path: name, namespace: 'irsactl-lazy' };
      });
      b.onLoad({ filter: /.*/, namespace: 'irsactl-lazy' }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(lazyBundleLoader)}).lazyModule(__dirname, ${JSON.stringify(args.path)}, ${JSON.stringify(bundleSha256)});`,
        loader: 'js',
        resolveDir: src,
      }));
    },
  };
}

const frontOptions = {
  entryPoints: { front: 'src/cli.ts' },
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
};
// First pass: only to learn which modules the front imports lazily.
await build({ ...frontOptions, write: false, plugins: [lazyChildProcessForCommander, splitAtDynamicImports('')] });

// The lazy bundle's entry: a require() of a bundled ES module is esbuild's lazy init, so each runs on first use.
const lazyIndex = `module.exports = {\n${[...lazyEntries].map(([name, file]) => `  ${JSON.stringify(name)}: () => require(${JSON.stringify(file)}),`).join('\n')}\n};\n`;
await build({
  stdin: { contents: lazyIndex, resolveDir: src, sourcefile: 'lazy-index.js', loader: 'js' },
  outfile: 'dist/lazy.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
  plugins: [nodeUrlForNodeFetch, builtinImportsAsRequire],
});
const lazyBundle = readFileSync('dist/lazy.cjs', 'utf8');
const leftImport = /\bimport\(\s*["'`]([^"'`]+)/.exec(lazyBundle);
if (leftImport) throw new Error(`dist/lazy.cjs still has an import() of ${leftImport[1]}: code run through the code cache cannot import(); make it a require`);
const lazySha256 = createHash('sha256').update(lazyBundle).digest('hex');
await build({ ...frontOptions, plugins: [lazyChildProcessForCommander, splitAtDynamicImports(lazySha256)] });
// Last, so that a build that failed on the way leaves no dist/cli.cjs (bin/irsactl.js then says to build).
const frontSha256 = createHash('sha256').update(readFileSync('dist/front.cjs', 'utf8')).digest('hex');
await build({
  ...frontOptions,
  entryPoints: { cli: 'src/boot.ts' },
  define: { __IRSACTL_FRONT_SHA256__: JSON.stringify(frontSha256) },
});

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
