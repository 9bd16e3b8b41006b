import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * `irsactl --help` must not load the AWS SDK: factory.ts may reach the SDK only through
 * dynamic import(). Checked on esbuild's module graph, the way the CLI is bundled.
 */
describe('createAwsPorts loading', () => {
  it('has no static import path from factory.ts to @aws-sdk', async () => {
    const result = await build({
      entryPoints: ['src/aws/factory.ts'],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      outdir: 'out',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const outputs = result.metafile.outputs;
    const entry = Object.keys(outputs).find((name) => outputs[name].entryPoint === 'src/aws/factory.ts');
    expect(entry).toBeDefined();

    // Every chunk reachable from the entry by static imports, and the inputs bundled in them.
    const seen = new Set<string>();
    const pending = [entry as string];
    while (pending.length > 0) {
      const chunk = pending.pop() as string;
      if (seen.has(chunk)) continue;
      seen.add(chunk);
      for (const imp of outputs[chunk]?.imports ?? []) {
        if (imp.kind === 'import-statement' && !imp.external) pending.push(imp.path);
      }
    }
    const staticInputs = [...seen].flatMap((chunk) => Object.keys(outputs[chunk]?.inputs ?? {}));
    expect(staticInputs.filter((input) => input.includes('@aws-sdk/'))).toEqual([]);

    // The dynamic imports do lead to the SDK (so the check above is not vacuous).
    const allInputs = Object.values(outputs).flatMap((o) => Object.keys(o.inputs));
    expect(allInputs.some((input) => input.includes('@aws-sdk/client-eks'))).toBe(true);
  });
});
