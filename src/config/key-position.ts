// Where a key of the parsed document is written in the YAML text. js-yaml keeps no node positions, so this scans the
// block structure of the text along the path, and checks at every level that it sees exactly the keys (or list
// items) the parsed document has there. Anything it cannot follow for certain (flow style, multi-line scalars that
// look like keys, merge keys, complex keys) gives no position rather than a wrong one.

/** 1-based line and column of a key. */
export interface KeyPosition {
  line: number;
  column: number;
}

/** One block-structure entry: a `- ` list marker, or the rest of a line (a `key: value` or a scalar). */
interface Entry {
  line: number;
  column: number;
  text: string;
}

const DASH = /^-(?:\s+|$)/;
// A block mapping key: double-quoted, single-quoted or plain, followed by `:` and a space or the end of the line.
const KEY = /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s#'"{[\]},&*!|>%@`?-][^#]*?|-[^\s#][^#]*?))\s*:(?:\s|$)/;

function entries(text: string): Entry[] {
  const out: Entry[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      let column = raw.length - raw.trimStart().length;
      let rest = raw.trimStart();
      if (rest === '' || rest.startsWith('#') || (column === 0 && /^(?:---|\.\.\.)(?:\s|$)/.test(rest))) return;
      for (let m = DASH.exec(rest); m !== null; m = DASH.exec(rest)) {
        out.push({ line: i + 1, column: column + 1, text: '-' });
        column += m[0].length;
        rest = rest.slice(m[0].length);
        if (rest === '' || rest.startsWith('#')) return;
      }
      out.push({ line: i + 1, column: column + 1, text: rest });
    });
  return out;
}

/** Longer than any key irsactl would point at; also keeps the key pattern's backtracking short. */
const MAX_KEY_LINE = 1024;

function keyOf(text: string): string | undefined {
  if (text.length > MAX_KEY_LINE) return undefined;
  const m = KEY.exec(text);
  if (m === null) return undefined;
  if (m[1] !== undefined) {
    try {
      return JSON.parse(`"${m[1]}"`) as string;
    } catch {
      return undefined;
    }
  }
  if (m[2] !== undefined) return m[2].replace(/''/g, "'");
  return m[3]?.trimEnd();
}

/** Whether the key's value starts on its own line: only then are the lines below it the value's keys or items. */
function valueBelow(text: string): boolean {
  const m = KEY.exec(text.length > MAX_KEY_LINE ? '' : text);
  const rest = m === null ? '-' : text.slice(m[0].length).trim();
  return rest === '' || rest.startsWith('#');
}

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

type Child = { at: number; entry: Entry };

/**
 * Finds keys of `doc` (parsed from `text`): the returned function gives the position of the last key of a path, or
 * undefined when not certain. The text is split once and each block's children are indexed once, so a file with
 * thousands of unknown keys costs one pass, not one per key.
 */
export function keyPositions(text: string, doc: unknown): (path: readonly (string | number)[]) => KeyPosition | undefined {
  let all: Entry[] | undefined;
  const blocks = new Map<string, Child[] | undefined>();
  // The entries at the column of the block's first entry, or undefined when the range is not one block.
  const childrenOf = (from: number, to: number): Child[] | undefined => {
    const id = `${from}:${to}`;
    if (blocks.has(id)) return blocks.get(id);
    const entries = all ?? [];
    const column = entries[from].column;
    let out: Child[] | undefined = [];
    for (let i = from; i < to; i++) {
      if (entries[i].column < column) {
        out = undefined;
        break;
      }
      if (entries[i].column === column) out.push({ at: i, entry: entries[i] });
    }
    blocks.set(id, out);
    return out;
  };
  const mappings = new Map<string, { children: Child[]; index: Map<string, number> } | undefined>();
  // The keys of a block mapping, checked to be exactly the parsed mapping's keys.
  const keysOf = (from: number, to: number, atColumn: Child[], mapping: Record<string, unknown>) => {
    const id = `${from}:${to}`;
    if (mappings.has(id)) return mappings.get(id);
    let out: { children: Child[]; index: Map<string, number> } | undefined;
    // A list under a key may start at the key's own column (`key:` then `- item`): those dashes are its value.
    const children = atColumn.filter((c) => c.entry.text !== '-');
    if (atColumn[0]?.entry.text !== '-') {
      const index = new Map<string, number>();
      children.forEach((c, i) => {
        const key = keyOf(c.entry.text);
        if (key !== undefined && Object.hasOwn(mapping, key) && !index.has(key)) index.set(key, i);
      });
      if (index.size === children.length && index.size === Object.keys(mapping).length) out = { children, index };
    }
    mappings.set(id, out);
    return out;
  };
  return (path) => {
    if (path.length === 0 || typeof path[path.length - 1] !== 'string') return undefined;
    all ??= entries(text);
    let from = 0;
    let to = all.length;
    let node = doc;
    let found: Entry | undefined;
    for (const [depth, seg] of path.entries()) {
      if (from >= to) return undefined;
      const atColumn = childrenOf(from, to);
      if (atColumn === undefined) return undefined;
      let children: Child[];
      let k: number;
      if (typeof seg === 'number') {
        children = atColumn;
        if (!Array.isArray(node) || children.length !== node.length || children.some((c) => c.entry.text !== '-')) return undefined;
        k = seg;
        if (k >= children.length) return undefined;
      } else {
        const mapping = node;
        if (!isMapping(mapping)) return undefined;
        const block = keysOf(from, to, atColumn, mapping);
        if (block === undefined) return undefined;
        children = block.children;
        k = block.index.get(seg) ?? -1;
        if (k < 0) return undefined;
        found = children[k].entry;
        // `key: {…}` or `key: [` spanning lines: its lines are flow style, not block entries.
        if (depth < path.length - 1 && !valueBelow(found.text)) return undefined;
      }
      // The node's own children are the entries after its line (a list item's first key shares the dash's line).
      from = children[k].at + 1;
      to = k + 1 < children.length ? children[k + 1].at : to;
      node = typeof seg === 'number' ? (node as unknown[])[seg] : (node as Record<string, unknown>)[seg];
    }
    return found === undefined ? undefined : { line: found.line, column: found.column };
  };
}

/** The position of the last key of `path` in `text`, whose parsed document is `doc`; undefined when not certain. */
export const keyPosition = (text: string, doc: unknown, path: readonly (string | number)[]): KeyPosition | undefined => keyPositions(text, doc)(path);
