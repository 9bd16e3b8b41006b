import { IrsaError } from '../errors.js';
import { keyPositions } from './key-position.js';
import { FLAG_FOR_FIELD } from './service-account-flags.js';

// What is wrong with the input and where: every stage reports Problems, and one IrsaError lists them all.

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** One thing wrong with the input, printed as `<where>: <what> — <fix>`. */
export interface Problem {
  code: 'USAGE' | 'CONFIG';
  where: string;
  what: string;
  fix: string;
}

/** What a stage of checks found: problems stop the command, warnings are printed and it goes on. */
export interface RuleResult {
  problems: Problem[];
  warnings: string[];
}

/** `iam.serviceAccounts[3].metadata.name` */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** How a source is named in messages: stdin has no path of its own. */
export const shownPath = (path: string): string => (path === '-' ? '<stdin>' : path);

/**
 * Maps a path in the raw document to what the user typed: a field in their file,
 * or the flag that produced it (flags build the same raw document as a file).
 */
export interface Locator {
  origin: 'file' | 'flags';
  /** USAGE for flags, CONFIG for file content. */
  code: 'USAGE' | 'CONFIG';
  /** Full location: `cluster.yaml: iam.serviceAccounts[0].roleName` or `--role-name`. */
  where(path: Path): string;
  /** Where a key is: `cluster.yaml:12:5: iam.fooBar` when the file's text shows it for certain, else as `where`. */
  keyWhere(path: Path): string;
  /** Short name for use inside a sentence: `roleName` or `--role-name`. */
  label(path: Path): string;
}

/** `source` (the file's text and its parsed document) lets keyWhere give line and column, as YAML errors do. */
export function fileLocator(filePath: string, source?: { text: string; doc: unknown }): Locator {
  const shown = shownPath(filePath);
  const where = (path: Path): string => (path.length === 0 ? shown : `${shown}: ${formatPath(path)}`);
  const positionOf = source === undefined ? undefined : keyPositions(source.text, source.doc);
  return {
    origin: 'file',
    code: 'CONFIG',
    where,
    keyWhere: (path) => {
      const pos = positionOf?.(path);
      return pos === undefined ? where(path) : `${shown}:${pos.line}:${pos.column}: ${formatPath(path)}`;
    },
    label: (path) => {
      const last = [...path].reverse().find((s): s is string => typeof s === 'string');
      return last ?? formatPath(path);
    },
  };
}

export function flagsLocator(names: { serviceAccountName: string; cluster: string }): Locator {
  const flagFor = (path: Path): string => {
    if (path[0] === 'metadata' && path[1] === 'name') return names.cluster;
    if (path[0] === 'metadata' && path[1] === 'region') return '--region';
    if (path[0] === 'iam' && path[1] === 'serviceAccounts' && typeof path[2] === 'number') {
      const rest = path.slice(3).filter((s): s is string => typeof s === 'string');
      if (rest[0] === 'metadata' && rest[1] === 'name') return names.serviceAccountName;
      return FLAG_FOR_FIELD.get(rest.slice(0, rest[0] === 'metadata' ? 2 : 1).join('.')) ?? formatPath(path);
    }
    return formatPath(path);
  };
  return { origin: 'flags', code: 'USAGE', where: flagFor, keyWhere: flagFor, label: flagFor };
}

/** A problem with how the command was called (a flag or an argument). */
export const usage = (where: string, what: string, fix: string): Problem => ({ code: 'USAGE', where, what, fix });

export function formatProblem(p: Problem): string {
  return `${p.where}: ${p.what} — ${p.fix}`;
}

/** One error for all problems; CONFIG if any problem is in a file, else USAGE. */
export function problemsToError(problems: readonly Problem[]): IrsaError {
  const code = problems.some((p) => p.code === 'CONFIG') ? 'CONFIG' : 'USAGE';
  const lines = problems.map(formatProblem);
  const message =
    lines.length === 1 ? lines[0] : `${lines.length} problems:\n${lines.map((l) => `  - ${l}`).join('\n')}`;
  return new IrsaError(code, message);
}

/**
 * An integer with thousands separators, as en-US writes it (10,240). Not toLocaleString: the first use of Intl
 * loads ICU's locale data, about 16 ms of every run that validates a file.
 */
export function thousands(x: number): string {
  const digits = String(Math.abs(Math.trunc(x)));
  return `${x < 0 ? '-' : ''}${digits.replace(/\B(?=(\d{3})+$)/g, ',')}`;
}
