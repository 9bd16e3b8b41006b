import type { ConfigFlags, ConfigSource } from '../config/types.js';
import type { Io } from '../output/io.js';
import { createRuntime, DEFAULT_TIMEOUT_MS, type Runtime, type RuntimeOverrides } from '../runtime/runtime.js';

// What a command's action is wired to: the process's streams and overrides, the Runtime built from its options,
// and the config file it names.

export interface CliContext {
  io: Io;
  overrides: RuntimeOverrides;
  /** SIGINT/SIGTERM; undefined in-process (tests), where nothing interrupts the run */
  signal: AbortSignal | undefined;
}

export function runtimeFor(ctx: CliContext, opts: { verbose?: number; timeout?: number }): Runtime {
  return createRuntime(ctx.io, opts.verbose ?? 0, { ...ctx.overrides, signal: ctx.signal }, opts.timeout ?? DEFAULT_TIMEOUT_MS);
}

/** The file -f names (or stdin), read; undefined without -f. */
export async function readSource(ctx: CliContext, flags: ConfigFlags): Promise<ConfigSource | undefined> {
  if (!flags.configFile) return undefined;
  const { readConfigSource } = await import('../config/read.js');
  return readConfigSource(flags.configFile, ctx.io.stdin?.());
}
