/** The process's streams and environment, passed explicitly so the CLI can run in-process in tests. */
export interface TextSink {
  write(chunk: string): unknown;
}

export interface Io {
  stdout: TextSink;
  stderr: TextSink;
  /** Standard input, opened only when read (`-f -`): merely touching process.stdin costs every run a stream. */
  stdin?: () => NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  /** stderr is a terminal: colour and a live view are allowed there */
  stderrIsTTY: boolean;
}

/**
 * The real process streams, each created on its first write (Node builds a stream object the first time
 * process.stdout/stderr/stdin is touched, which `--help` should not pay for the ones it does not use).
 * `irsactl get … | head` closing our stdout early is not an error: EPIPE ends the run quietly.
 */
export function processIo(): Io {
  return {
    stdout: lazyStream(() => process.stdout),
    stderr: lazyStream(() => process.stderr),
    stdin: () => process.stdin,
    env: process.env,
    // a getter: asked only when something is about to be written to stderr
    get stderrIsTTY() {
      return Boolean(process.stderr.isTTY);
    },
  };
}

function lazyStream(open: () => NodeJS.WriteStream): TextSink {
  let stream: NodeJS.WriteStream | undefined;
  return {
    write(chunk: string) {
      if (!stream) {
        stream = open();
        stream.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
          throw err;
        });
      }
      return stream.write(chunk);
    },
  };
}

/** Colour only on a terminal, never with NO_COLOR (https://no-color.org) or TERM=dumb. */
export function colourEnabled(io: Io): boolean {
  if (!io.stderrIsTTY) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return io.env.TERM !== 'dumb';
}
