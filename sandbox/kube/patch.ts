// The three PATCH formats kubectl and client-node send: RFC 7386 merge, strategic merge (reduced), RFC 6902 JSON patch.
import { clone, deepEqual, isObject, type JsonObject } from './json.js';
import type { ResourceKind } from './resources.js';
import { HttpError, invalid } from './status.js';

/** RFC 7386. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * Strategic merge patch, reduced to what ServiceAccounts, Namespaces and Pod metadata
 * need: a merge patch that understands `$patch: delete|replace` and ignores the
 * `$setElementOrder/…` and `$retainKeys` bookkeeping keys kubectl sends.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  const rest: JsonObject = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/')) {
      continue;
    }
    rest[k] = v;
  }
  if (directive === 'replace') return clone(rest);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(rest)) {
    if (v === null) delete out[k];
    else {
      const merged = strategicMergePatch(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
  }
  return out;
}

/** A JSON patch that does not apply; the server answers it with 422 Invalid. */
export class JsonPatchError extends Error {}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: unknown, tokens: string[]): unknown {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!/^\d+$/.test(t) || i >= cur.length) throw new JsonPatchError(`index ${t} out of range`);
      cur = cur[i];
    } else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new JsonPatchError(`path /${tokens.join('/')} does not exist`);
  }
  return cur;
}

/** RFC 6902 on a copy of `doc`. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new JsonPatchError('a JSON patch must be an array of operations');
  let root = clone(doc);
  const setAt = (tokens: string[], value: unknown, mode: 'add' | 'replace') => {
    if (tokens.length === 0) {
      root = value;
      return;
    }
    const parent = getAt(root, tokens.slice(0, -1));
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (!/^\d+$/.test(last) && last !== '-') throw new JsonPatchError(`invalid array index ${last}`);
      if (mode === 'add') {
        if (i > parent.length) throw new JsonPatchError(`index ${last} out of range`);
        parent.splice(i, 0, value);
      } else {
        if (i >= parent.length) throw new JsonPatchError(`index ${last} out of range`);
        parent[i] = value;
      }
    } else if (isObject(parent)) {
      if (mode === 'replace' && !Object.hasOwn(parent, last)) {
        throw new JsonPatchError(`replace operation does not apply: doc is missing key: /${tokens.join('/')}`);
      }
      parent[last] = value;
    } else throw new JsonPatchError(`cannot set a member of a non-container at /${tokens.join('/')}`);
  };
  const removeAt = (tokens: string[]) => {
    if (tokens.length === 0) throw new JsonPatchError('cannot remove the root');
    const parent = getAt(root, tokens.slice(0, -1));
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const i = Number(last);
      if (!/^\d+$/.test(last) || i >= parent.length) throw new JsonPatchError(`index ${last} out of range`);
      parent.splice(i, 1);
    } else if (isObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
    else throw new JsonPatchError(`remove operation does not apply: doc is missing path: /${tokens.join('/')}`);
  };
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw new JsonPatchError('each operation needs "op" and "path"');
    }
    const path = parsePointer(op.path);
    switch (op.op) {
      case 'add':
        setAt(path, clone(op.value), 'add');
        break;
      case 'replace':
        getAt(root, path);
        setAt(path, clone(op.value), 'replace');
        break;
      case 'remove':
        removeAt(path);
        break;
      case 'test':
        if (!deepEqual(getAt(root, path), op.value)) throw new JsonPatchError(`testing value /${path.join('/')} failed`);
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw new JsonPatchError(`${op.op} needs "from"`);
        const from = parsePointer(op.from);
        const value = clone(getAt(root, from));
        if (op.op === 'move') removeAt(from);
        setAt(path, value, 'add');
        break;
      }
      default:
        throw new JsonPatchError(`unknown JSON patch operation "${op.op}"`);
    }
  }
  return root;
}

/** The patched object, by the request's Content-Type; a patch that does not apply is 422, an unknown type 415. */
export function applyPatch(contentType: string, current: JsonObject, patch: unknown, r: ResourceKind, name: string): JsonObject {
  let result: unknown;
  try {
    if (contentType === 'application/merge-patch+json') result = mergePatch(current, patch);
    else if (contentType === 'application/strategic-merge-patch+json') result = strategicMergePatch(current, patch);
    else if (contentType === 'application/json-patch+json') result = jsonPatch(current, patch);
    else {
      throw new HttpError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
      );
    }
  } catch (err) {
    if (err instanceof JsonPatchError) throw invalid(r, name, 'patch', err.message);
    throw err;
  }
  if (!isObject(result)) throw invalid(r, name, 'patch', 'the patch did not produce an object');
  return result;
}
