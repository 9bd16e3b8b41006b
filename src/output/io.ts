/** The process's streams and environment, passed explicitly so the CLI can run in-process in tests. */
export interface TextSink {
  write(chunk: string): unknown;
}

export interface Io {
  stdout: TextSink;
  stderr: TextSink;
  stdin?: NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  /** stderr is a terminal: colour and a live view are allowed there */
  stderrIsTTY: boolean;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}

/** Colour only on a terminal, never with NO_COLOR (https://no-color.org) or TERM=dumb. */
export function colourEnabled(io: Io): boolean {
  if (!io.stderrIsTTY) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return io.env.TERM !== 'dumb';
}
