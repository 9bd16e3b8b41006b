/**
 * What `irsactl --help` loads: the entry (dist/cli.cjs) and the front bundle it runs (dist/front.cjs, both built by
 * `npm test`) may require only Node's built-ins; everything heavy (the SDK, @kubernetes/client-node, zod, js-yaml) must be behind an import(), which the
 * build makes a lazyModule() of dist/lazy.cjs, and every module so named must be in that bundle. A static import of
 * one of those in a command file would fail this test.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

describe('the start-up bundle', () => {
  it('requires only built-ins and loads everything else lazily from modules the lazy bundle has', () => {
    if (!existsSync(join(ROOT, 'dist/cli.cjs'))) execFileSync('node', ['scripts/build.mjs'], { cwd: ROOT, stdio: 'ignore' });
    const entry = readFileSync(join(ROOT, 'dist/cli.cjs'), 'utf8');
    const front = readFileSync(join(ROOT, 'dist/front.cjs'), 'utf8');
    const required = [...(entry + front).matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    expect(required.filter((r) => !builtins.has(r))).toEqual([]);
    const lazy = [...new Set([...front.matchAll(/lazyModule\(__dirname,"([^"]+)"/g)].map((m) => m[1]!))];
    expect(lazy).toEqual(expect.arrayContaining(['config/resolve', 'aws/factory', 'k8s/client']));
    const bundle = createRequire(import.meta.url)(join(ROOT, 'dist/lazy.cjs')) as Record<string, unknown>;
    for (const name of lazy) expect(typeof bundle[name], name).toBe('function');
    expect(Object.keys(bundle).sort()).toEqual([...lazy].sort());
    expect(entry + front).not.toMatch(/ZodError|YAMLException|CloudFormationClient|CoreV1Api/);
    expect(entry).toContain('front.cjs');
  });
});
