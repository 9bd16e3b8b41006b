import type { Io } from './io.js';
import { colourEnabled } from './io.js';
import { redact, secretValuesFrom } from './redact.js';
import { escapeControls, singleLine } from './terminal.js';

// Narration on stderr (results go to stdout, elsewhere). One line per event, with the service account and the
// elapsed time, so CI logs read well; on a terminal the icons are coloured.

export type Level = 'info' | 'ok' | 'warn' | 'error' | 'debug';

const ICON: Record<Level, string> = { info: '•', ok: '✔', warn: '!', error: '✖', debug: '·' };
const COLOUR: Record<Level, string> = { info: '36', ok: '32', warn: '33', error: '31', debug: '90' };

/**
 * What a service below the actions may say while it works: lines about one subject (a service account), never the
 * run's live status or its errors, which the action that called it reports.
 */
export interface Narrator {
  info(msg: string, subject?: string): void;
  ok(msg: string, subject?: string): void;
  warn(msg: string, subject?: string): void;
  debug(msg: string, subject?: string): void;
}

export class Reporter implements Narrator {
  private readonly started = Date.now();
  private readonly colour: boolean;
  /** a terminal: one status line can be kept at the bottom and rewritten in place */
  private readonly live: boolean;
  private statusText: string | undefined;
  private readonly secrets: string[];

  constructor(
    private readonly io: Io,
    private readonly verbosity: number = 0,
  ) {
    this.colour = colourEnabled(io);
    this.live = io.stderrIsTTY && io.env.TERM !== 'dumb';
    this.secrets = secretValuesFrom(io.env);
  }

  info(msg: string, subject?: string): void {
    this.line('info', msg, subject);
  }
  ok(msg: string, subject?: string): void {
    this.line('ok', msg, subject);
  }
  warn(msg: string, subject?: string): void {
    this.line('warn', msg, subject);
  }
  error(msg: string, subject?: string): void {
    this.line('error', msg, subject);
  }
  debug(msg: string, subject?: string): void {
    if (this.verbosity > 0) this.line('debug', msg, subject);
  }

  /**
   * The live view: on a terminal, one line at the bottom (e.g. "3/10 done · 5 in progress") rewritten in place
   * and kept below the narration; undefined clears it. Elsewhere (CI, files) it writes nothing: the plain lines
   * already say everything.
   */
  status(text: string | undefined): void {
    if (!this.live) return;
    this.statusText = text === undefined ? undefined : singleLine(text);
    this.io.stderr.write(`\r\x1b[2K${this.statusText === undefined ? '' : this.statusLine(this.statusText)}`);
  }

  /**
   * A line said at a steady interval while a long wait goes on, for logs without a terminal (CI), where nothing
   * else would be printed between "creating stack" and "created stack". On a terminal the status line says it.
   */
  progress(text: string): void {
    if (!this.live) this.line('info', text);
  }

  private statusLine(text: string): string {
    return this.paint(`${text} (${this.elapsed()})`, '90');
  }

  private elapsed(): string {
    return `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
  }

  private paint(text: string, code: string): string {
    return this.colour ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  private line(level: Level, msg: string, subject?: string): void {
    const elapsed = this.elapsed();
    const icon = this.paint(ICON[level], COLOUR[level]);
    // Escaped before painting: the colours are irsactl's own escape sequences, the message may hold anyone's.
    const who = subject ? `${this.paint(singleLine(subject), '1')}: ` : '';
    const time = this.paint(`(${elapsed})`, '90');
    // Above the live status line: clear it, write the line, draw it again below.
    const clear = this.live && this.statusText !== undefined ? '\r\x1b[2K' : '';
    const redraw = this.live && this.statusText !== undefined ? this.statusLine(this.statusText) : '';
    // One narration line is one line: a line feed in a message (anyone's text) cannot start a fake line of its own.
    this.io.stderr.write(redact(`${clear}${icon} ${who}${singleLine(msg)} ${time}\n${redraw}`, this.secrets));
  }
}

/** Redacted writer for stdout results. */
export function writeResult(io: Io, text: string): void {
  io.stdout.write(redact(escapeControls(text.endsWith('\n') ? text : `${text}\n`), secretValuesFrom(io.env)));
}
