import type { ConfigFlags } from './types.js';

// The flags that describe one service account, in one table: the commander options of create and update, how the
// loader reads them, which field of a file each stands for (a flag and -f together is a conflict) and what a
// problem in that field is called when it came from a flag.

/** The ConfigFlags a flag of type V sets (the positional argument is no flag). */
type KeyOf<V> = Exclude<{ [K in keyof ConfigFlags]-?: NonNullable<ConfigFlags[K]> extends V ? K : never }[keyof ConfigFlags], 'positional'>;

interface Row {
  flag: `--${string}`;
  description: string;
  /** Only on create and update; the others take --name and --namespace alone. */
  full: boolean;
  /** The field of one `iam.serviceAccounts[]` entry a file holds the same value in (none: a flag of the command only). */
  fileField?: string;
}

/** `key` is commander's name for the flag's value and the loader's (ConfigFlags); none: the loader never reads it. */
export type ServiceAccountFlag = Row &
  (
    | { type: 'string'; key?: KeyOf<string>; value: string }
    | { type: 'list'; key?: KeyOf<string[]>; value: string }
    | { type: 'boolean'; key?: KeyOf<boolean> }
  );

/** In the order `--help` lists them. */
export const SERVICE_ACCOUNT_FLAGS: readonly ServiceAccountFlag[] = [
  { flag: '--name', type: 'string', key: 'name', value: '<name>', fileField: 'metadata.name', full: false, description: 'ServiceAccount name' },
  { flag: '--namespace', type: 'string', key: 'namespace', value: '<namespace>', fileField: 'metadata.namespace', full: false, description: 'ServiceAccount namespace (default "default")' },
  { flag: '--attach-policy-arn', type: 'list', key: 'attachPolicyArn', value: '<arns>', fileField: 'attachPolicyARNs', full: true, description: 'ARN of a managed policy to attach (repeatable, comma-separated)' },
  { flag: '--attach-role-arn', type: 'string', key: 'attachRoleArn', value: '<arn>', fileField: 'attachRoleARN', full: true, description: 'use this existing IAM role: no stack is created' },
  { flag: '--role-name', type: 'string', key: 'roleName', value: '<name>', fileField: 'roleName', full: true, description: 'name for the created IAM role' },
  { flag: '--role-only', type: 'boolean', key: 'roleOnly', fileField: 'roleOnly', full: true, description: 'create the IAM role only; do not create or annotate the ServiceAccount' },
  { flag: '--tags', type: 'string', key: 'tags', value: '<k=v,...>', fileField: 'tags', full: true, description: 'tags for the IAM role (stack tags, propagated to the role), e.g. "team=a,env=prod"' },
  { flag: '--override-existing-serviceaccounts', type: 'boolean', full: true, description: 'annotate ServiceAccounts that already exist' },
  { flag: '--subject-pattern', type: 'string', key: 'subjectPattern', value: '<pattern>', fileField: 'subjectPattern', full: true, description: 'trust any ServiceAccount in the namespace whose name matches this pattern (StringLike; * and ? wildcards)' },
  { flag: '--allow-wildcard-subject', type: 'boolean', key: 'allowWildcardSubject', full: true, description: 'confirm a subject pattern of only "*" (every ServiceAccount in the namespace)' },
  { flag: '--permissions-boundary', type: 'string', key: 'permissionsBoundary', value: '<arn>', fileField: 'permissionsBoundary', full: true, description: 'ARN of a permissions boundary policy for the role' },
];

/** The service account fields only a file can set: named so in messages about what flags built. */
const FILE_ONLY_FIELDS = ['wellKnownPolicies', 'wellKnownPolicyProfile', 'wellKnownPolicyVersions', 'wellKnownPolicyInputs', 'controllerPolicies', 'attachPolicy'] as const;

/** Field of the one service account flags build → the flag that set it. */
export const FLAG_FOR_FIELD: ReadonlyMap<string, string> = new Map([
  ...SERVICE_ACCOUNT_FLAGS.flatMap((f) => (f.fileField === undefined ? [] : [[f.fileField, f.flag] as const])),
  ...FILE_ONLY_FIELDS.map((field) => [field, `${field} (config file only)`] as const),
]);

/** Flags a file says itself: each with the field to set in the file instead. */
export const FILE_CONFLICTS: readonly { key: keyof ConfigFlags; flag: string; field: string }[] = [
  { key: 'cluster', flag: '--cluster', field: 'metadata.name' },
  ...SERVICE_ACCOUNT_FLAGS.flatMap((f) =>
    f.fileField === undefined || f.key === undefined ? [] : [{ key: f.key, flag: f.flag, field: `iam.serviceAccounts[].${f.fileField}` }],
  ),
];
