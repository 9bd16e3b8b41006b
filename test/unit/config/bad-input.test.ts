import { mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IrsaError } from '../../../src/errors.js';
import { resolveConfig, type ConfigFlags } from '../../../src/config/resolve.js';
import { readConfigSource } from '../../../src/config/read.js';
import { rows, withSAs } from '../../fixtures/config/bad-input-rows.js';

describe('resolveConfig rejects bad input', () => {
  it.each(rows)('$name', (row) => {
    const flags: ConfigFlags = row.file === undefined ? { ...row.flags } : { ...row.flags, configFile: 'cluster.yaml' };
    const source = row.file === undefined ? undefined : { path: 'cluster.yaml', text: row.file };
    let caught: unknown;
    try {
      resolveConfig(row.kind ?? 'create', flags, source);
    } catch (err) {
      caught = err;
    }
    expect(caught, 'expected an error').toBeInstanceOf(IrsaError);
    const err = caught as IrsaError;
    expect(err.code).toBe(row.code);
    expect(err.message).toContain(row.names);
    expect(err.message).toContain(row.fix);
  });

  it('lists every problem at once, one per line', () => {
    const text = withSAs(
      `  - metadata: {name: Bad}\n    attachPolicyARNs: ["nope"]\n  - metadata: {name: ok}\n    roleName: "${'r'.repeat(70)}"\n    attachPolicyArns: []\n`,
    );
    const err = (() => {
      try {
        resolveConfig('create', { configFile: 'c.yaml' }, { path: 'c.yaml', text });
      } catch (e) {
        return e as IrsaError;
      }
      throw new Error('no error');
    })();
    // Shape problems (unknown key) are reported before the rules run, so only it shows here, at its line and column.
    expect(err.message).toContain('c.yaml:13:5: iam.serviceAccounts[1].attachPolicyArns: unknown key');
    const text2 = text.replace('attachPolicyArns: []', 'attachPolicyARNs: []');
    try {
      resolveConfig('create', { configFile: 'c.yaml', cluster: 'x' }, { path: 'c.yaml', text: text2 });
      throw new Error('no error');
    } catch (e) {
      const msg = (e as IrsaError).message;
      expect(msg).toMatch(/^5 problems:\n/);
      for (const part of ['--cluster: cannot be used', '[0].metadata.name: "Bad"', '[0].attachPolicyARNs[0]: "nope"', '[1].roleName', '[1].wellKnownPolicies, ']) {
        expect(msg).toContain(part);
      }
    }
  });
});

describe('readConfigSource rejects unreadable input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'irsactl-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const readRows: { name: string; setup: () => string; names: string; fix: string }[] = [
    { name: 'missing file', setup: () => join(dir, 'nope.yaml'), names: 'nope.yaml: no such file', fix: 'check the path' },
    { name: 'empty file', setup: () => { const p = join(dir, 'empty.yaml'); writeFileSync(p, '  \n'); return p; }, names: 'empty.yaml: is empty', fix: 'write a ClusterConfig' },
    { name: 'a directory', setup: () => { const p = join(dir, 'sub'); mkdirSync(p); return p; }, names: 'sub: is a directory', fix: 'pass the path of a ClusterConfig' },
    { name: 'larger than 5 MB', setup: () => { const p = join(dir, 'big.yaml'); writeFileSync(p, '#'.repeat(5 * 1024 * 1024 + 1)); return p; }, names: 'big.yaml: is larger than 5 MB', fix: 'right file' },
  ];
  it.each(readRows)('$name', async (row) => {
    const err = await readConfigSource(row.setup()).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(IrsaError);
    expect((err as IrsaError).code).toBe('CONFIG');
    expect((err as IrsaError).message).toContain(row.names);
    expect((err as IrsaError).message).toContain(row.fix);
  });

  const isRoot = process.getuid?.() === 0;
  it.skipIf(isRoot)('unreadable file (skipped as root: root reads anything)', async () => {
    const p = join(dir, 'secret.yaml');
    writeFileSync(p, 'a: 1\n');
    chmodSync(p, 0o000);
    const err = await readConfigSource(p).then(() => undefined, (e: unknown) => e);
    expect((err as IrsaError).code).toBe('CONFIG');
    expect((err as IrsaError).message).toContain('secret.yaml: cannot be read (permission denied)');
  });
});
