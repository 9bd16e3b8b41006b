import picomatch from 'picomatch';
import { IrsaError } from '../errors.js';

/** Globs over `<namespace>/<name>`. Exclude wins over include. */
export interface SaFilter {
  include: string[];
  exclude: string[];
}

/**
 * eksctl compiles its globs without separators, so `*` matches across '/'
 * (`*-reader` matches `default/s3-reader`). picomatch treats '/' as a path
 * separator, so both the glob and the id have '/' swapped for ':' — a character
 * that cannot occur in a namespace or name — before matching.
 */
const SEPARATOR_STAND_IN = ':';
const swapSeparator = (s: string): string => s.replaceAll('/', SEPARATOR_STAND_IN);

/** gobwas/glob negates a class with `[!..]`; picomatch reads that as a class containing '!'. */
const toPicomatch = (glob: string): string => swapSeparator(glob).replace(/(^|[^\\])\[!/g, '$1[^');

type Matcher = (id: string) => boolean;
const matcherCache = new Map<string, Matcher>();

/** Unbalanced brackets/braces and a trailing backslash: picomatch silently turns these into match-nothing. */
function globProblem(glob: string): string | undefined {
  if (glob === '') return 'is empty';
  let square = 0;
  let curly = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '\\') {
      if (i === glob.length - 1) return 'ends with a lone backslash';
      i++;
      continue;
    }
    if (c === '[') square++;
    else if (c === ']' && square > 0) square--;
    else if (c === '{') curly++;
    else if (c === '}') {
      if (curly === 0) return 'has a "}" without a "{"';
      curly--;
    }
  }
  if (square > 0) return 'has a "[" without a closing "]"';
  if (curly > 0) return 'has a "{" without a closing "}"';
  return undefined;
}

function compile(glob: string): Matcher {
  const cached = matcherCache.get(glob);
  if (cached) return cached;
  const problem = globProblem(glob);
  if (problem) {
    throw new IrsaError('CONFIG', `glob "${glob}" ${problem} — fix the --include/--exclude pattern (e.g. "kube-system/*,*/s3-*")`);
  }
  let isMatch: Matcher;
  try {
    isMatch = picomatch(toPicomatch(glob), { dot: true, nonegate: true });
  } catch (cause) {
    throw new IrsaError('CONFIG', `glob "${glob}" cannot be parsed — fix the --include/--exclude pattern`, { cause });
  }
  const matcher: Matcher = (id) => isMatch(swapSeparator(id));
  matcherCache.set(glob, matcher);
  return matcher;
}

/**
 * Splits commander's repeatable values on commas, but not inside `{…}`, so a
 * brace alternation like `default/{a,b}` survives (eksctl tears it apart).
 */
export function splitGlobList(items: readonly string[] | undefined): string[] {
  const out: string[] = [];
  for (const item of items ?? []) {
    let depth = 0;
    let current = '';
    for (const c of item) {
      if (c === '{') depth++;
      else if (c === '}' && depth > 0) depth--;
      if (c === ',' && depth === 0) {
        out.push(current.trim());
        current = '';
      } else current += c;
    }
    out.push(current.trim());
  }
  return out.filter((g) => g !== '');
}

/** True when `id` (`<ns>/<name>`) passes the filter. No include globs means "everything". */
export function matchesFilter(id: string, f: SaFilter): boolean {
  if (f.exclude.some((g) => compile(g)(id))) return false;
  if (f.include.length === 0) return true;
  return f.include.some((g) => compile(g)(id));
}

const MAX_LISTED_NAMES = 20;

/**
 * The service accounts that pass the filter, in input order. Throws CONFIG for a
 * bad glob, and when an include glob matches no service account at all (almost
 * always a typo, and acting on nothing would look like success).
 */
export function selectServiceAccounts<T extends { namespace: string; name: string }>(all: T[], f: SaFilter): T[] {
  return selectMatching(all, (sa) => `${sa.namespace}/${sa.name}`, f, 'service account');
}

/**
 * The items whose `<namespace>/<name>` passes the filter, in input order; `what` names them in the error when an
 * include glob matches none (pod identity associations, or both kinds for apply).
 */
export function selectMatching<T>(all: readonly T[], idOf: (item: T) => string, f: SaFilter, what: string): T[] {
  const ids = all.map(idOf);
  for (const g of [...f.include, ...f.exclude]) compile(g);
  const unmatched = f.include.filter((g) => {
    const m = compile(g);
    return !ids.some((id) => m(id));
  });
  if (unmatched.length > 0) {
    const shown = ids.slice(0, MAX_LISTED_NAMES).join(', ');
    const more = ids.length > MAX_LISTED_NAMES ? `, … (${ids.length - MAX_LISTED_NAMES} more)` : '';
    const available = ids.length === 0 ? `the file defines no ${what}s` : `available: ${shown}${more}`;
    throw new IrsaError(
      'CONFIG',
      `--include: no ${what} matches ${unmatched.map((g) => `"${g}"`).join(', ')} — ` +
        `globs match "<namespace>/<name>" (e.g. "kube-system/*"); ${available}`,
    );
  }
  return all.filter((_, i) => matchesFilter(ids[i], f));
}
