import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The direction of imports in src/, read from the source: a folder may import only from its own layer or a lower
 * one, and no file may reach itself through its imports. The README's Development section draws the same table.
 */

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Lowest first. A top-level file (main.ts, errors.ts …) counts as a folder of its own name. */
export const LAYERS: readonly (readonly string[])[] = [
  ['errors', 'version', 'json', 'output', 'net'],
  ['model'],
  ['cfn'],
  ['config'],
  ['aws', 'k8s'],
  ['services', 'doctor', 'migration'],
  ['runtime'],
  ['actions'],
  ['commands'],
  ['main', 'cli', 'boot'],
];

/** Imports that run against the table today, each to be removed by the restructuring; the list only shrinks. */
const KNOWN_VIOLATIONS: readonly string[] = [];
const KNOWN_CYCLES: readonly string[] = [];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const rel = relative(SRC, file);
    const targets = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) =>
      normalize(join(dirname(rel), m[1] ?? m[2])).replace(/\.js$/, '.ts'),
    );
    graph.set(rel, targets);
  }
  return graph;
}

const folderOf = (rel: string): string => (rel.includes(sep) ? rel.split(sep)[0] : rel.replace(/\.ts$/, ''));
const rankOf = (folder: string): number => LAYERS.findIndex((layer) => layer.includes(folder));

/** Strongly connected components with more than one file (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('architecture: the direction of imports in src/', () => {
  const graph = importGraph();

  it('reads a real graph (the scan finds the imports it claims to check)', () => {
    expect(graph.size).toBeGreaterThan(50);
    expect(graph.get(join('actions', 'converge.ts'))).toContain(join('actions', 'plan.ts'));
  });

  it('places every folder of src/ in a layer', () => {
    const unplaced = [...new Set([...graph.keys()].map(folderOf))].filter((f) => rankOf(f) < 0);
    expect(unplaced).toEqual([]);
  });

  it('has no import from a lower layer to a higher one', () => {
    const upward: string[] = [];
    for (const [from, targets] of graph) {
      for (const to of targets) {
        if (rankOf(folderOf(to)) > rankOf(folderOf(from))) upward.push(`${from} -> ${to}`);
      }
    }
    expect(upward.filter((v) => !KNOWN_VIOLATIONS.includes(v))).toEqual([]);
    // An entry that no longer happens must leave the list, so the list cannot hide a new violation later.
    expect(KNOWN_VIOLATIONS.filter((v) => !upward.includes(v))).toEqual([]);
  });

  it('has no import cycle, between files or between the folders of one layer', () => {
    const fileCycles = cycles(graph).map((c) => c.join(' , '));
    expect(fileCycles.filter((c) => !KNOWN_CYCLES.includes(c))).toEqual([]);
    expect(KNOWN_CYCLES.filter((c) => !fileCycles.includes(c))).toEqual([]);
    const folders = new Map<string, string[]>();
    for (const [from, targets] of graph) {
      const a = folderOf(from);
      folders.set(a, [...new Set([...(folders.get(a) ?? []), ...targets.map(folderOf).filter((b) => b !== a)])]);
    }
    expect(cycles(folders)).toEqual([]);
  });
});
