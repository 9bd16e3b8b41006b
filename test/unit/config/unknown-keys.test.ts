import { describe, expect, it } from 'vitest';
import { load } from 'js-yaml';
import { IrsaError } from '../../../src/errors.js';
import { keyPosition } from '../../../src/config/key-position.js';
import { resolveConfig } from '../../../src/config/resolve.js';

// Files from a newer eksctl: unknown keys at the top level and under iam are warnings at their line and column,
// a likely typo of a key irsactl reads stays an error (those rows are in the bad-input table).

const S3 = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const HEAD = 'apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: demo\n  region: us-west-2\n';
const SAS = `  serviceAccounts:\n  - metadata: {name: app}\n    attachPolicyARNs: ["${S3}"]\n`;

const resolve = (text: string) => resolveConfig('create', { configFile: 'c.yaml' }, { path: 'c.yaml', text });

describe('unknown keys where irsactl does not act', () => {
  it('a new top-level section is a warning naming it and its position; the file still loads', () => {
    const got = resolve(`${HEAD}futureSection:\n  enabled: true\niam:\n  withOIDC: true\n${SAS}`);
    expect(got.selected.map((sa) => sa.name)).toEqual(['app']);
    expect(got.warnings).toEqual(['c.yaml:6:1: futureSection: unknown key, ignored — irsactl does not read this section']);
  });

  it('a new iam key is a warning; one close to a key irsactl ignores says so', () => {
    const got = resolve(`${HEAD}iam:\n  withOIDC: true\n  podIdentityDefaults: {a: b}\n  serviceRoleArn: x\n${SAS}`);
    expect(got.warnings).toEqual([
      'c.yaml:8:3: iam.podIdentityDefaults: unknown key, ignored — irsactl does not read this section',
      'c.yaml:9:3: iam.serviceRoleArn: unknown key, ignored — irsactl does not read this section (did you mean "serviceRoleARN"?)',
    ]);
  });

  it('a flow-style iam gives the warning without a position rather than a wrong one', () => {
    const got = resolve(`${HEAD}iam: {withOIDC: true, newKey: 1, serviceAccounts: [{metadata: {name: app}, attachPolicyARNs: ["${S3}"]}]}\n`);
    expect(got.warnings).toEqual(['c.yaml: iam.newKey: unknown key, ignored — irsactl does not read this section']);
  });

  it('a typo of a key irsactl reads is still an error, listed with the other shape problems', () => {
    const text = `${HEAD}iam:\n  withOIDC: true\n  serviceAcounts:\n  - metadata: {name: app}\nzzzzzzzz: 1\n`;
    let caught: unknown;
    try {
      resolve(text);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(IrsaError);
    expect((caught as IrsaError).code).toBe('CONFIG');
    expect((caught as IrsaError).message).toBe('c.yaml:8:3: iam.serviceAcounts: unknown key — did you mean "serviceAccounts"?');
  });
});

describe('keyPosition', () => {
  const at = (text: string, path: (string | number)[]) => keyPosition(text, load(text), path);

  it('follows the path: the same key name at several levels and in several list items', () => {
    const text = [
      'metadata:', //                    1
      '  name: demo', //                 2
      'iam:', //                         3
      '  serviceAccounts:', //           4
      '  - metadata:', //                5  (the list at the key's own column)
      '      name: a', //                6
      '    name: oops', //               7
      '  -   metadata: {name: b}', //    8
      '      name: oops2', //            9
      'name: top', //                    10
    ].join('\n');
    expect(at(text, ['name'])).toEqual({ line: 10, column: 1 });
    expect(at(text, ['metadata', 'name'])).toEqual({ line: 2, column: 3 });
    expect(at(text, ['iam', 'serviceAccounts', 0, 'metadata'])).toEqual({ line: 5, column: 5 });
    expect(at(text, ['iam', 'serviceAccounts', 0, 'metadata', 'name'])).toEqual({ line: 6, column: 7 });
    expect(at(text, ['iam', 'serviceAccounts', 0, 'name'])).toEqual({ line: 7, column: 5 });
    expect(at(text, ['iam', 'serviceAccounts', 1, 'name'])).toEqual({ line: 9, column: 7 });
  });

  it('reads quoted keys, skips comments, blank lines, a BOM, a document marker and CRLF line ends', () => {
    const text = '\uFEFF---\r\n# a comment: not a key\r\n\r\n"iam":\r\n  \'with OIDC\': true\r\n  "new\\tkey": 1 # c\r\n';
    expect(at(text, ['iam'])).toEqual({ line: 4, column: 1 });
    expect(at(text, ['iam', 'with OIDC'])).toEqual({ line: 5, column: 3 });
    expect(at(text, ['iam', 'new\tkey'])).toEqual({ line: 6, column: 3 });
  });

  it('gives no position where it cannot be sure', () => {
    // flow style
    expect(at('iam: {a: 1, b: 2}\n', ['iam', 'b'])).toBeUndefined();
    expect(at('iam:\n  list: [{a: 1}]\n', ['iam', 'list', 0, 'a'])).toBeUndefined();
    expect(at('iam: {\n  newKey: 1}\n', ['iam', 'newKey'])).toBeUndefined();
    expect(at('- {a: 1}\n', [0, 'a'])).toBeUndefined();
    // a multi-line scalar whose continuation looks like a key at the level searched
    expect(at('iam:\n  a: "one\n  b: two"\n  c: 1\n', ['iam', 'c'])).toBeUndefined();
    // a merge key: the text's keys are not the document's
    expect(at('base: &b {x: 1}\niam:\n  <<: *b\n  y: 2\n', ['iam', 'y'])).toBeUndefined();
    // not a key at all
    expect(at('iam:\n  a: 1\n', ['iam', 'zz'])).toBeUndefined();
    expect(at('iam:\n  a: 1\n', [])).toBeUndefined();
  });
});

describe('many unknown keys', () => {
  it('5,000 new top-level keys: each warned about at its own line, in one pass over the text', () => {
    const extra = Array.from({ length: 5000 }, (_, i) => `future${i}: {a: ${i}}\n`).join('');
    const started = Date.now();
    const got = resolve(`${HEAD}iam:\n  withOIDC: true\n${SAS}${extra}`);
    expect(got.warnings).toHaveLength(5000);
    // 5 lines of head, 2 of iam, 3 of service accounts: future0 is on line 11.
    expect(got.warnings[4999]).toBe('c.yaml:5010:1: future4999: unknown key, ignored — irsactl does not read this section');
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
