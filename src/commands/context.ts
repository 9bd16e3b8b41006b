import type { CommandKind, ConfigFlags, ConfigSource, PodIdentityCommandKind, ResolvedConfig } from '../config/types.js';
import type { RunOutcome } from '../errors.js';
import type { Io } from '../output/io.js';
import { optionsOf, type OptionBag } from './options.js';
import { createRuntime, DEFAULT_TIMEOUT_MS, type Runtime, type RuntimeOverrides } from '../runtime/runtime.js';

// What a command's action is wired to: the process's streams and overrides, the Runtime built from its options,
// and the config file it names.

export interface CliContext {
  io: Io;
  overrides: RuntimeOverrides;
  /** SIGINT/SIGTERM; undefined in-process (tests), where nothing interrupts the run */
  signal: AbortSignal | undefined;
  /** set by a command that plans or changes, for its exit code (errors.ts decides it) */
  outcome?: RunOutcome;
}

/** The outcome of a command that plans or changes: whether there were changes, and whether --exit-code asks to say so. */
export function recordOutcome(ctx: CliContext, o: OptionBag, changes: boolean): void {
  ctx.outcome = { changes, detailed: optionsOf(o).flag('exitCode') === true };
}

/** -v and --timeout decide the Runtime's narration and deadline. */
export function runtimeFor(ctx: CliContext, o: OptionBag): Runtime {
  const opt = optionsOf(o);
  return createRuntime(ctx.io, opt.number('verbose') ?? 0, { ...ctx.overrides, signal: ctx.signal }, opt.number('timeout') ?? DEFAULT_TIMEOUT_MS);
}

/** The file -f names (or stdin), read; undefined without -f. */
async function readSource(ctx: CliContext, flags: ConfigFlags): Promise<ConfigSource | undefined> {
  if (!flags.configFile) return undefined;
  const { readConfigSource } = await import('../config/read.js');
  return readConfigSource(flags.configFile, ctx.io.stdin?.());
}

/**
 * Reads -f if given and resolves the flags for `kind` (every problem at once, before any request), then prints the
 * config's warnings: here, once, so that every command that takes a config says them.
 */
export async function resolveFor(ctx: CliContext, rt: Runtime, kind: CommandKind, flags: ConfigFlags): Promise<ResolvedConfig> {
  // loaded here, not at the top: `irsactl --help` must not pay for zod and js-yaml
  const { resolveConfig } = await import('../config/resolve.js');
  const resolved = resolveConfig(kind, flags, await readSource(ctx, flags));
  for (const w of resolved.warnings) rt.reporter.warn(w);
  return resolved;
}

/** resolveFor's twin for `<kind> podidentityassociation`: -f read if given, every problem at once, warnings printed. */
export async function resolvePodIdentityFor(ctx: CliContext, rt: Runtime, kind: PodIdentityCommandKind, flags: ConfigFlags): Promise<ResolvedConfig> {
  const { resolvePodIdentityConfig } = await import('../config/resolve.js');
  const resolved = resolvePodIdentityConfig(kind, flags, await readSource(ctx, flags));
  for (const w of resolved.warnings) rt.reporter.warn(w);
  return resolved;
}
