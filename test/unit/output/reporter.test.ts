import { describe, expect, it } from 'vitest';
import { Reporter } from '../../../src/output/reporter.js';
import type { Io } from '../../../src/output/io.js';

function io(tty: boolean, env: Record<string, string> = {}): Io & { err: () => string } {
  let err = '';
  return { stdout: { write: () => true }, stderr: { write: (s: string) => (err += s) }, env, stderrIsTTY: tty, err: () => err };
}

describe('Reporter: narration and the live view', () => {
  it('on a terminal keeps one status line at the bottom, clearing it around each narration line', () => {
    const t = io(true);
    const r = new Reporter(t);
    r.status('0/2 done · 1 in progress');
    r.info('creating stack x', 'default/a');
    r.status(undefined);
    const out = t.err();
    expect(out.startsWith('\r\x1b[2K')).toBe(true);
    expect(out).toContain('0/2 done · 1 in progress (');
    // the narration line is written after clearing the status line, and the status is drawn again below it
    expect(out).toMatch(/\r\x1b\[2K.*creating stack x .*\n.*0\/2 done · 1 in progress/s);
    expect(out.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('elsewhere (CI, files, TERM=dumb) writes plain lines only: no status, no cursor control', () => {
    for (const t of [io(false), io(true, { TERM: 'dumb' })]) {
      const r = new Reporter(t);
      r.status('0/2 done');
      r.ok('created stack x', 'default/a');
      r.status(undefined);
      expect(t.err()).not.toContain('\x1b[2K');
      expect(t.err()).not.toContain('0/2 done');
      expect(t.err()).toMatch(/^✔ default\/a: created stack x \(\d+\.\ds\)\n$/);
    }
  });

  it('NO_COLOR removes colour on a terminal but keeps the live view', () => {
    const t = io(true, { NO_COLOR: '1' });
    const r = new Reporter(t);
    r.status('1/1 done');
    r.warn('careful');
    expect(t.err()).toContain('1/1 done');
    expect(t.err()).not.toMatch(/\x1b\[\d+m/);
  });

  it('progress lines are written only without a terminal (on one the status line says it), escaped like any line', () => {
    const plain = io(false);
    new Reporter(plain).progress('waiting for 1 stack (30s): default/a\x1b[2J CREATE_IN_PROGRESS');
    expect(plain.err()).toMatch(/^• waiting for 1 stack \(30s\): default\/a\\x1b\[2J CREATE_IN_PROGRESS \(\d+\.\ds\)\n$/);
    const tty = io(true);
    new Reporter(tty).progress('waiting for 1 stack (30s): default/a CREATE_IN_PROGRESS');
    expect(tty.err()).toBe('');
  });
});
