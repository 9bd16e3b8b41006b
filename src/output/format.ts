import yaml from 'js-yaml';
import { escapeJsonText, singleLine } from './terminal.js';
import type { Io } from './io.js';
import { writeResult } from './reporter.js';

export function toJson(value: unknown): string {
  return `${escapeJsonText(JSON.stringify(value, null, 2))}\n`;
}

/** js-yaml writes control characters (C0 and C1) as escapes in double-quoted scalars itself. */
export function toYaml(value: unknown): string {
  return yaml.dump(value, { noRefs: true, lineWidth: -1, sortKeys: false });
}

/** Aligned columns separated by at least two spaces (like kubectl and gh). */
export function table(headers: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(singleLine));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n') + '\n';
}

/** The one switch on -o: a document as JSON or YAML, else the text for people (each made only when it is wanted). */
export function writeOutput(io: Io, output: 'text' | 'json' | 'yaml', data: () => unknown, text: () => string): void {
  if (output === 'json') writeResult(io, toJson(data()));
  else if (output === 'yaml') writeResult(io, toYaml(data()));
  else writeResult(io, text());
}
