import * as jsYaml from 'js-yaml';
import { JSON_SCHEMA, YAMLException, load as loadYaml, type Type as YamlType } from 'js-yaml';
import { IrsaError } from '../errors.js';
import { shownPath } from './problems.js';
import { MAX_CONFIG_BYTES, emptyFileError, tooLargeError } from './read.js';
import type { ConfigSource } from './types.js';

/** Shared nodes (YAML aliases of mappings/lists) allowed in one document. */
const MAX_ALIASES = 100;
/** Nodes after expanding aliases: bounds the work of everything that walks the document later. */
const MAX_EXPANDED_NODES = 1_000_000;

// JSON-compatible scalars (no timestamps, binaries, sets) plus `<<` merge keys, which eksctl's go-yaml honours.
// (@types/js-yaml does not declare the `types` export that js-yaml 4 has.)
const mergeType = (jsYaml as unknown as { types?: { merge?: YamlType } }).types?.merge;
const YAML_SCHEMA = mergeType ? JSON_SCHEMA.extend({ implicit: [mergeType] }) : JSON_SCHEMA;

/** Pure: YAML text → plain data. Throws CONFIG with `<path>:<line>:<col>: <reason>` on syntax errors. */
export function parseConfigYaml(source: ConfigSource): unknown {
  const where = shownPath(source.path);
  if (Buffer.byteLength(source.text, 'utf8') > MAX_CONFIG_BYTES) throw tooLargeError(source.path);
  let doc: unknown;
  try {
    doc = loadYaml(source.text.replace(/^\uFEFF/, ''), { schema: YAML_SCHEMA, filename: where });
  } catch (err) {
    if (err instanceof YAMLException) {
      if (/single document/.test(err.reason)) {
        throw new IrsaError('CONFIG', `${where}: holds more than one YAML document — keep exactly one ClusterConfig per file`, { cause: err });
      }
      const pos = err.mark ? `:${err.mark.line + 1}:${err.mark.column + 1}` : '';
      throw new IrsaError('CONFIG', `${where}${pos}: ${err.reason} — fix the YAML at that position (indentation, quotes, brackets)`, {
        cause: err,
      });
    }
    // js-yaml recurses per nesting level; absurd nesting ends as a RangeError.
    throw new IrsaError('CONFIG', `${where}: cannot be parsed (${String(err)}) — check that this is a ClusterConfig YAML file`, { cause: err });
  }
  if (doc === undefined || doc === null) throw emptyFileError(source.path);
  const aliasProblem = aliasExpansionProblem(doc);
  if (aliasProblem) throw new IrsaError('CONFIG', `${where}: ${aliasProblem} — write the repeated parts out, or use fewer anchors`);
  return doc;
}

/**
 * js-yaml returns an alias as a second reference to the same object, so a
 * "billion laughs" document is small in memory but explodes when walked or
 * serialised. Count shared references and the expanded size with memoisation,
 * so this check itself is linear in the distinct nodes.
 */
function aliasExpansionProblem(doc: unknown): string | undefined {
  const expanded = new Map<object, number>();
  const inProgress = new Set<object>();
  let shared = 0;
  const visit = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 1;
    const known = expanded.get(v);
    if (known !== undefined) {
      shared++;
      return known;
    }
    if (inProgress.has(v)) throw new RangeError('an alias refers to its own anchor');
    inProgress.add(v);
    let n = 1;
    for (const child of Object.values(v)) {
      n += visit(child);
      if (n > MAX_EXPANDED_NODES) break;
    }
    inProgress.delete(v);
    expanded.set(v, n);
    return n;
  };
  let total: number;
  try {
    total = visit(doc);
  } catch (err) {
    return err instanceof RangeError ? err.message : String(err);
  }
  if (shared > MAX_ALIASES) return `uses ${shared} aliases, more than the ${MAX_ALIASES} allowed`;
  if (total > MAX_EXPANDED_NODES) return `expands to more than ${MAX_EXPANDED_NODES} nodes through aliases`;
  return undefined;
}
