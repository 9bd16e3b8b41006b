import { Command, CommanderError } from 'commander';
import { EXIT, exitCodeFor, exitCodeForOutcome, IrsaError, usageError } from './errors.js';
import type { Io } from './output/io.js';
import { colourEnabled } from './output/io.js';
import { redact, secretValuesFrom } from './output/redact.js';
import { escapeControls } from './output/terminal.js';
import type { RuntimeOverrides } from './runtime/runtime.js';
import type { CliContext } from './commands/context.js';
import { examples } from './commands/help.js';
import { createIamServiceAccountCommand } from './commands/create-iamserviceaccount.js';
import { associateIamOidcProviderCommand } from './commands/associate-iam-oidc-provider.js';
import { migrateToPodIdentityCommand } from './commands/migrate-to-pod-identity.js';
import { getIamServiceAccountCommand } from './commands/get-iamserviceaccount.js';
import { getPodIdentityAssociationCommand } from './commands/get-podidentityassociation.js';
import { updateIamServiceAccountCommand } from './commands/update-iamserviceaccount.js';
import { deleteIamServiceAccountCommand } from './commands/delete-iamserviceaccount.js';
import { createPodIdentityAssociationCommand } from './commands/create-podidentityassociation.js';
import { updatePodIdentityAssociationCommand } from './commands/update-podidentityassociation.js';
import { deletePodIdentityAssociationCommand } from './commands/delete-podidentityassociation.js';
import { applyCommand } from './commands/apply.js';
import { doctorCommand } from './commands/doctor.js';
import { versionCommand } from './commands/version.js';
import { schemaCommand } from './commands/schema.js';
import { policiesListCommand, policiesOutdatedCommand, policiesShowCommand } from './commands/policies.js';
import { completionCommand } from './commands/completion.js';
import { IRSACTL_VERSION } from './version.js';

/**
 * The command tree. With argv, a group's subcommands are defined only when the group is named
 * in argv: defining every option of every command is most of the start-up cost of `--help`.
 * The top-level help, suggestions and dispatch see the same group names either way.
 */
export function buildProgram(ctx: CliContext, argv?: readonly string[]): Command {
  const program = new Command('irsactl')
    .description('IAM Roles for Service Accounts on Amazon EKS: eksctl-compatible, converging, with real diffs')
    .version(IRSACTL_VERSION)
    .showSuggestionAfterError(true)
    // The program's own options (--version) only before a command: `policies show X --version V` is the subcommand's.
    .enablePositionalOptions()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(escapeControls(s)),
      writeErr: (s) => ctx.io.stderr.write(escapeControls(s)),
    })
    .exitOverride();
  program.addHelpText(
    'after',
    examples([
      'irsactl utils associate-iam-oidc-provider --cluster prod --approve',
      'irsactl create iamserviceaccount --cluster prod --name s3-reader --attach-policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess --approve',
      'irsactl apply -f cluster.yaml            # plan: what would change',
      'irsactl get iamserviceaccount --cluster prod',
      'irsactl doctor --cluster prod --namespace default --name s3-reader',
    ]),
  );

  const group = (name: string, description: string, ...subs: ((ctx: CliContext) => Command)[]) => {
    const g = new Command(name).description(description);
    if (!argv || argv.includes(name)) for (const s of subs) g.addCommand(s(ctx));
    program.addCommand(g);
  };
  group('create', 'Create resources', createIamServiceAccountCommand, createPodIdentityAssociationCommand);
  group('get', 'Get resources', getIamServiceAccountCommand, getPodIdentityAssociationCommand);
  group('update', 'Update resources', updateIamServiceAccountCommand, updatePodIdentityAssociationCommand);
  group('delete', 'Delete resources', deleteIamServiceAccountCommand, deletePodIdentityAssociationCommand);
  group('utils', 'Utilities', associateIamOidcProviderCommand, migrateToPodIdentityCommand, schemaCommand);
  group('policies', 'Well-known policies: the catalogue, one document, and what a cluster\'s roles lack', policiesListCommand, policiesShowCommand, policiesOutdatedCommand);
  program.addCommand(applyCommand(ctx));
  program.addCommand(doctorCommand(ctx));
  program.addCommand(versionCommand(ctx));
  program.addCommand(completionCommand(ctx, () => buildProgram(ctx)));

  // Every (sub)command reports usage errors through exitOverride, not process.exit.
  const walk = (c: Command) => {
    c.exitOverride().configureOutput({ writeOut: (s) => ctx.io.stdout.write(escapeControls(s)), writeErr: (s) => ctx.io.stderr.write(escapeControls(s)) });
    c.commands.forEach(walk);
  };
  walk(program);
  return program;
}

/**
 * Runs irsactl with argv (without node and script); returns the exit code. `interrupt` is the process's SIGINT/SIGTERM
 * (cli.ts); in-process runs (tests) have none, and `overrides` swaps ports for them.
 */
export async function main(argv: string[], io: Io, overrides: RuntimeOverrides = {}, interrupt?: AbortSignal): Promise<number> {
  const ctx: CliContext = { io, overrides, signal: interrupt };
  // `irsactl help get iamserviceaccount` is `irsactl get iamserviceaccount --help`, as in kubectl and gh.
  const helpFor = argv[0] === 'help' ? argv[1] : undefined;
  if (helpFor !== undefined && !buildProgram(ctx, []).commands.some((c) => c.name() === helpFor)) {
    return reportError(io, usageError(`irsactl has no command "${helpFor}"`, 'run `irsactl --help` for the list of commands'));
  }
  const args = helpFor !== undefined ? [...argv.slice(1), '--help'] : argv;
  const program = buildProgram(ctx, args);
  // A bare `irsactl` asks what irsactl does: the help, on stdout, as a success (kubectl and gh do the same).
  if (args.length === 0) {
    program.outputHelp();
    return EXIT.OK;
  }
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCodeForOutcome(ctx.outcome);
  } catch (err) {
    return reportError(io, err);
  }
}

export function reportError(io: Io, err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version are successes; commander has already printed its message
    if (err.exitCode === 0) return EXIT.OK;
    // a group named without a subcommand (`irsactl get`): commander printed the usage to stderr
    if (err.code === 'commander.help') return EXIT.USAGE;
    io.stderr.write('Run with --help for usage.\n');
    return EXIT.USAGE;
  }
  const secrets = secretValuesFrom(io.env);
  const red = (s: string) => (colourEnabled(io) ? `\x1b[31m${s}\x1b[0m` : s);
  if (err instanceof IrsaError) {
    // AWS and Kubernetes messages end up in these: escaped before irsactl adds its own colour.
    io.stderr.write(redact(`${red('Error:')} ${escapeControls(err.message)}\n`, secrets));
    if (err.hint) io.stderr.write(redact(`  → ${escapeControls(err.hint)}\n`, secrets));
    if (io.env.IRSACTL_DEBUG && err.cause) io.stderr.write(redact(`  cause: ${escapeControls(String(err.cause))}\n`, secrets));
    return exitCodeFor(err);
  }
  // Anything else is a bug: say so briefly; the stack only with IRSACTL_DEBUG.
  const e = err instanceof Error ? err : new Error(String(err));
  io.stderr.write(redact(`${red('Error:')} unexpected: ${escapeControls(e.message)}\n`, secrets));
  if (io.env.IRSACTL_DEBUG) io.stderr.write(redact(`${escapeControls(e.stack ?? '')}\n`, secrets));
  else io.stderr.write('  → this is a bug in irsactl; run again with IRSACTL_DEBUG=1 and report the output\n');
  return EXIT.FAILURE;
}
