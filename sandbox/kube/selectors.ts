// Label and field selectors of list requests (`?labelSelector=`, `?fieldSelector=`), as far as kubectl uses them.
import type { JsonObject } from './json.js';
import { metaOf } from './resources.js';

export function matchesLabelSelector(labels: Record<string, unknown>, selector: string): boolean {
  if (!selector) return true;
  return selector.split(',').every((raw) => {
    const term = raw.trim();
    if (!term) return true;
    let m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m) {
      const has = Object.hasOwn(labels, m[1]) && labels[m[1]] === m[3];
      return m[2] === '!=' ? !has : has;
    }
    m = /^([^\s]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3].split(',').map((v) => v.trim());
      const has = Object.hasOwn(labels, m[1]) && values.includes(String(labels[m[1]]));
      return m[2] === 'in' ? has : !has;
    }
    if (term.startsWith('!')) return !Object.hasOwn(labels, term.slice(1));
    return Object.hasOwn(labels, term);
  });
}

export function matchesFieldSelector(obj: JsonObject, selector: string): boolean {
  if (!selector) return true;
  const meta = metaOf(obj);
  return selector.split(',').every((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) return true;
    const actual = m[1] === 'metadata.name' ? meta.name : m[1] === 'metadata.namespace' ? meta.namespace : undefined;
    return m[2] === '!=' ? actual !== m[3] : actual === m[3];
  });
}
