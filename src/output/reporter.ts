import type { Io } from './io.js';
import { colourEnabled } from './io.js';
import { redact, secretValuesFrom } from './redact.js';

/**
 * Narration on stderr (results go to stdout, elsewhere). One line per event,
 * with the service account and the elapsed time, so CI logs read well; on a
 * terminal the icons are coloured.
 */
export type Level = 'info' | 'ok' | 'warn' | 'error' | 'debug';

const ICON: Record<Level, string> = { info: '•', ok: '✔', warn: '!', error: '✖', debug: '·' };
const COLOUR: Record<Level, string> = { info: '36', ok: '32', warn: '33', error: '31', debug: '90' };

export class Reporter {
  private readonly started = Date.now();
  private readonly colour: boolean;
  private readonly secrets: string[];

  constructor(
    private readonly io: Io,
    private readonly verbosity: number = 0,
  ) {
    this.colour = colourEnabled(io);
    this.secrets = secretValuesFrom(io.env);
  }

  get verbose(): boolean {
    return this.verbosity > 0;
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

  /** Writes a raw block (a plan, a diff) to stderr, redacted. */
  block(text: string): void {
    this.io.stderr.write(redact(text.endsWith('\n') ? text : `${text}\n`, this.secrets));
  }

  paint(text: string, code: string): string {
    return this.colour ? `\x1b[${code}m${text}\x1b[0m` : text;
  }

  private line(level: Level, msg: string, subject?: string): void {
    const elapsed = `${((Date.now() - this.started) / 1000).toFixed(1)}s`;
    const icon = this.paint(ICON[level], COLOUR[level]);
    const who = subject ? `${this.paint(subject, '1')}: ` : '';
    const time = this.paint(`(${elapsed})`, '90');
    this.io.stderr.write(redact(`${icon} ${who}${msg} ${time}\n`, this.secrets));
  }
}

/** Redacted writer for stdout results. */
export function writeResult(io: Io, text: string): void {
  io.stdout.write(redact(text.endsWith('\n') ? text : `${text}\n`, secretValuesFrom(io.env)));
}
