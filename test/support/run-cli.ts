import { Readable } from 'node:stream';
import { main } from '../../src/main.js';
import type { RuntimeOverrides } from '../../src/runtime/runtime.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs irsactl in-process with its own streams and environment, as the binary would. */
export async function runCli(argv: string[], env: Record<string, string | undefined>, opts: { overrides?: RuntimeOverrides; stdin?: string } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    argv,
    {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: opts.stdin === undefined ? undefined : () => Readable.from([opts.stdin!]),
      env,
      stderrIsTTY: false,
    },
    opts.overrides,
  );
  return { code, stdout, stderr };
}
