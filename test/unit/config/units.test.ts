import { PassThrough } from 'node:stream';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { IrsaError } from '../../../src/errors.js';
import { matchesFilter, selectServiceAccounts, splitGlobList } from '../../../src/config/filter.js';
import { parseTagsCollecting } from '../../../src/config/tags.js';
import { NO_WELL_KNOWN } from '../../fixtures/cfn/specs.js';
import { knownKeysAt, levenshtein, nearestKey, SERVICE_ACCOUNT_KEYS } from '../../../src/config/keys.js';
import { readConfigSource } from '../../../src/config/read.js';

/** `--tags` as the flags path reports it: every malformed item, each naming --tags. */
function parseTags(text: string): Record<string, string> {
  const { tags, problems } = parseTagsCollecting(text);
  if (problems.length > 0) throw new IrsaError('USAGE', problems.map((p) => `--tags: ${p}`).join('\n'));
  return tags;
}

describe('parseTags', () => {
  it('parses k=v pairs, trims, and keeps "=" inside values', () => {
    expect(parseTags('a=1, b = two ,c=x=y')).toEqual({ a: '1', b: 'two', c: 'x=y' });
    expect(parseTags('')).toEqual({});
  });

  it('refuses an empty value: CloudFormation TagValue has min 1', () => {
    expect(() => parseTags('team=')).toThrow('--tags: tag "team" has an empty value, which CloudFormation refuses — give it a value');
  });

  it('throws USAGE naming --tags and every bad item', () => {
    try {
      parseTags('a,=1,b=1,b=2,,aws:x=1');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(IrsaError);
      const err = e as IrsaError;
      expect(err.code).toBe('USAGE');
      expect(err.message.split('\n')).toEqual([
        '--tags: "a" has no "=" — write it as a=<value>',
        '--tags: a tag has an empty key — write each tag as key=value',
        '--tags: tag key "b" is given twice — keep one',
        '--tags: an empty item (two commas in a row, or a trailing comma) — remove it',
        '--tags: tag key "aws:x" uses the reserved "aws:" prefix — choose another key',
      ]);
    }
  });

  it('round-trips any valid tag map', () => {
    const key = fc.stringMatching(/^[a-zA-Z0-9_.:/+@-]{1,20}$/).filter((k) => !k.toLowerCase().startsWith('aws:'));
    const value = fc.stringMatching(/^[a-zA-Z0-9_.:/+@=-]{1,20}$/);
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1 }), (tags) => {
        const text = Object.entries(tags)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        expect(parseTags(text)).toEqual(tags);
      }),
    );
  });
});

describe('filter', () => {
  it('splits on commas outside braces and drops empty items', () => {
    expect(splitGlobList(['a/*,b/*', ' c/{x,y} ', ',', 'd'])).toEqual(['a/*', 'b/*', 'c/{x,y}', 'd']);
    expect(splitGlobList(undefined)).toEqual([]);
  });

  it('supports ?, [..], [!..] and {a,b} like gobwas/glob', () => {
    const f = (include: string[]) => ({ include, exclude: [] });
    expect(matchesFilter('default/app1', f(['default/app?']))).toBe(true);
    expect(matchesFilter('default/app12', f(['default/app?']))).toBe(false);
    expect(matchesFilter('default/appa', f(['default/app[a-c]']))).toBe(true);
    expect(matchesFilter('default/appa', f(['default/app[!a-c]']))).toBe(false);
    expect(matchesFilter('team/b', f(['{team,ops}/{a,b}']))).toBe(true);
    expect(matchesFilter('x/y', f(['*']))).toBe(true);
  });

  it('exclude wins over include for every id (property)', () => {
    const seg = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    fc.assert(
      fc.property(seg, seg, (ns, name) => {
        const id = `${ns}/${name}`;
        expect(matchesFilter(id, { include: ['*'], exclude: [id] })).toBe(false);
        expect(matchesFilter(id, { include: [id], exclude: [] })).toBe(true);
        expect(matchesFilter(id, { include: [], exclude: [] })).toBe(true);
      }),
    );
  });

  it('rejects bad globs and include globs that match nothing', () => {
    const all = [{ namespace: 'a', name: 'b' }];
    expect(() => selectServiceAccounts(all, { include: ['a/{b'], exclude: [] })).toThrow(/has a "\{" without a closing "\}"/);
    expect(() => selectServiceAccounts(all, { include: [], exclude: ['a\\'] })).toThrow(/lone backslash/);
    expect(() => selectServiceAccounts(all, { include: ['a/b', 'z/*'], exclude: [] })).toThrow(
      '--include: no service account matches "z/*" — globs match "<namespace>/<name>" (e.g. "kube-system/*"); available: a/b',
    );
    expect(() => selectServiceAccounts([], { include: ['*'], exclude: [] })).toThrow(/the file defines no service accounts/);
  });

  it('keeps input order and does not require matches for exclude globs', () => {
    const all = [
      { namespace: 'x', name: '2' },
      { namespace: 'x', name: '1' },
    ];
    expect(selectServiceAccounts(all, { include: ['x/*'], exclude: ['nothing/*'] })).toEqual(all);
  });
});

describe('keys', () => {
  it('suggests the nearest key, case-insensitively first', () => {
    expect(nearestKey('attachPolicyArns', SERVICE_ACCOUNT_KEYS)).toBe('attachPolicyARNs');
    expect(nearestKey('rolName', SERVICE_ACCOUNT_KEYS)).toBe('roleName');
    expect(nearestKey('completelyDifferent', SERVICE_ACCOUNT_KEYS)).toBeUndefined();
  });

  it('computes Levenshtein distance', () => {
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(levenshtein('', 'abc')).toBe(3);
    expect(levenshtein('same', 'same')).toBe(0);
  });

  it('checks keys only at the strict levels', () => {
    expect(knownKeysAt(['iam', 'serviceAccounts', 7, 'wellKnownPolicies'])).toContain('ebsCSIController');
    expect(knownKeysAt(['vpc'])).toBeUndefined();
    expect(knownKeysAt(['iam', 'serviceAccounts', 0, 'attachPolicy'])).toBeUndefined();
  });
});

describe('readConfigSource', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsactl-read-ok-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads a file', async () => {
    const p = join(dir, 'c.yaml');
    writeFileSync(p, 'kind: ClusterConfig\n');
    expect(await readConfigSource(p)).toEqual({ path: p, text: 'kind: ClusterConfig\n' });
  });

  it('reads stdin for "-"', async () => {
    const stdin = new PassThrough();
    stdin.end('kind: ClusterConfig\n');
    expect(await readConfigSource('-', stdin)).toEqual({ path: '-', text: 'kind: ClusterConfig\n' });
  });

  it('refuses empty stdin and stdin over 5 MB, naming <stdin>', async () => {
    const empty = new PassThrough();
    empty.end('');
    await expect(readConfigSource('-', empty)).rejects.toThrow('<stdin>: is empty');
    const huge = new PassThrough();
    const chunk = Buffer.alloc(1024 * 1024, 0x23);
    for (let i = 0; i < 6; i++) huge.write(chunk);
    huge.end();
    await expect(readConfigSource('-', huge)).rejects.toThrow('<stdin>: is larger than 5 MB');
  });
});

describe('a "__proto__" tag key (found by the property test above)', () => {
  it('stays an own tag in --tags and in the stack tags', async () => {
    const tags = parseTags('__proto__=x,team=a');
    expect(Object.hasOwn(tags, '__proto__')).toBe(true);
    expect(tags).toEqual(Object.fromEntries([['__proto__', 'x'], ['team', 'a']]));
    const { stackTagsFor } = await import('../../../src/model/naming.js');
    const sa = { name: 'a', namespace: 'default', labels: {}, annotations: {}, attachPolicyARNs: [], wellKnownPolicies: NO_WELL_KNOWN, roleOnly: false, tags };
    const stack = stackTagsFor({ name: 'c', tags: {}, withOIDC: true, serviceAccounts: [] }, sa);
    expect(Object.hasOwn(stack, '__proto__')).toBe(true);
    expect(stack.team).toBe('a');
  });
});
