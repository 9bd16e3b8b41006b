// Stack tags, which CloudFormation propagates to the role: keys 1–128 and values 1–256 characters (CloudFormation's
// TagValue has min 1, although IAM's allows 0) of letters, digits, spaces and _ . : / = + - @ (IAM's pattern);
// the `aws:` prefix is reserved. Checking here fails before CloudFormation does.

const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_KEY = 128;
const MAX_VALUE = 256;

/** Problems with one tag, as `<what> — <fix>` strings; empty when the tag is valid. */
export function tagProblems(key: string, value: string): string[] {
  const problems: string[] = [];
  if (key.length === 0) problems.push('a tag has an empty key — write each tag as key=value');
  else {
    if (key.length > MAX_KEY) problems.push(`tag key "${key.slice(0, 20)}…" is longer than ${MAX_KEY} characters — shorten it`);
    if (!TAG_CHARS.test(key))
      problems.push(`tag key "${key}" has characters IAM does not allow — use letters, digits, spaces and _ . : / = + - @`);
    if (key.toLowerCase().startsWith('aws:')) problems.push(`tag key "${key}" uses the reserved "aws:" prefix — choose another key`);
  }
  if (value.length === 0) problems.push(`tag "${key}" has an empty value, which CloudFormation refuses — give it a value (e.g. ${key}=none) or drop the tag`);
  if (value.length > MAX_VALUE) problems.push(`the value of tag "${key}" is longer than ${MAX_VALUE} characters — shorten it`);
  if (!TAG_CHARS.test(value))
    problems.push(`the value of tag "${key}" has characters IAM does not allow — use letters, digits, spaces and _ . : / = + - @`);
  return problems;
}

/**
 * Parses `--tags "k1=v1,k2=v2"` without throwing: the tags plus every problem found.
 * Split at the first '=' so a value may contain '='. Empty input means no tags.
 */
export function parseTagsCollecting(text: string): { tags: Record<string, string>; problems: string[] } {
  // A Map, not an object: "__proto__" is a valid tag key and must not be swallowed by assignment.
  const tags = new Map<string, string>();
  const problems: string[] = [];
  if (text.trim() === '') return { tags: {}, problems };
  for (const rawItem of text.split(',')) {
    const item = rawItem.trim();
    if (item === '') {
      problems.push('an empty item (two commas in a row, or a trailing comma) — remove it');
      continue;
    }
    const eq = item.indexOf('=');
    if (eq < 0) {
      problems.push(`"${item}" has no "=" — write it as ${item}=<value>`);
      continue;
    }
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (tags.has(key)) {
      problems.push(`tag key "${key}" is given twice — keep one`);
      continue;
    }
    const own = tagProblems(key, value);
    if (own.length > 0) {
      problems.push(...own);
      continue;
    }
    tags.set(key, value);
  }
  return { tags: Object.fromEntries(tags), problems };
}
