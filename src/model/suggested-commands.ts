/**
 * The shell quoting every command irsactl suggests goes through (irsactl's, aws's, kubectl's), so that pasting one runs
 * what it says whatever the names hold (spaces, quotes, `$(…)`, `;`); and the irsactl commands that messages in several
 * places suggest with the user's names in them, built here so those messages agree.
 */

/** Words that need no quoting in sh, bash or zsh (`=` not first: zsh expands `=cmd`). */
const PLAIN_WORD = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+=:,./-]*$/;

/** One argument for a POSIX shell: as is when plain, else in single quotes (a quote inside becomes '\''). */
export function shellQuote(arg: string): string {
  return PLAIN_WORD.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** A command line from its argv, each argument quoted. */
export function shellCommand(...argv: string[]): string {
  return argv.map(shellQuote).join(' ');
}

export function associateCommand(target: { cluster: string; region: string }): string {
  return shellCommand('irsactl', 'utils', 'associate-iam-oidc-provider', '--cluster', target.cluster, '--region', target.region, '--approve');
}

interface ServiceAccountTarget {
  cluster: string;
  region: string;
  namespace: string;
  name: string;
}

/** `--attach-policy-arn '<policy ARN>'`: the placeholder quoted, so a paste without editing is an error, not a redirection. */
export const POLICY_ARN_PLACEHOLDER = '<policy ARN>';

export function createCommand(t: ServiceAccountTarget, extra: string[] = []): string {
  return shellCommand(
    'irsactl', 'create', 'iamserviceaccount', '--cluster', t.cluster, '--region', t.region, '--namespace', t.namespace, '--name', t.name,
    '--attach-policy-arn', POLICY_ARN_PLACEHOLDER, ...extra, '--approve',
  );
}

export function deleteCommand(t: ServiceAccountTarget): string {
  return shellCommand('irsactl', 'delete', 'iamserviceaccount', '--cluster', t.cluster, '--region', t.region, '--namespace', t.namespace, '--name', t.name, '--wait');
}

export function applyOneCommand(configFile: string, id: string): string {
  return shellCommand('irsactl', 'apply', '-f', configFile, '--include', id, '--approve');
}

/** How to change an existing stack that create leaves as it is: apply for a file, update for flags. */
export function changeExistingStackHint(configFile: string | undefined, id: string): string {
  if (configFile !== undefined && configFile !== '-') return `run \`${applyOneCommand(configFile, id)}\` to change it`;
  return 'run `irsactl update iamserviceaccount` with the same flags (or `irsactl apply -f` with a file) to change it';
}

interface AssociationTarget {
  cluster: string;
  region: string;
  namespace: string;
  serviceAccountName: string;
}

export function deletePodIdentityCommand(t: AssociationTarget): string {
  return shellCommand('irsactl', 'delete', 'podidentityassociation', '--cluster', t.cluster, '--region', t.region, '--namespace', t.namespace, '--service-account-name', t.serviceAccountName, '--approve');
}

/** How to change what create leaves as it is (a role stack, an association): update with the same input. */
export function changeExistingPodIdentityHint(configFile: string | undefined): string {
  return configFile !== undefined && configFile !== '-'
    ? `run \`${shellCommand('irsactl', 'update', 'podidentityassociation', '-f', configFile, '--approve')}\` to change it`
    : 'run `irsactl update podidentityassociation` with the same flags to change it';
}
