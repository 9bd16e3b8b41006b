import type { ConfigFlags } from '../config/types.js';
import { SERVICE_ACCOUNT_FLAGS } from '../config/service-account-flags.js';
import { POD_IDENTITY_FLAGS } from '../config/pod-identity-flags.js';
import type { ConnectionOptions } from '../runtime/cluster-session.js';

// commander's option bag, read with typed accessors: the loader's flags and how a command reaches AWS and Kubernetes.

/** The values commander collects, by its camel-cased names; the commands read only these. */
export type OptionName =
  | Exclude<keyof ConfigFlags, 'positional'>
  | 'profile'
  | 'kubeconfig'
  | 'context'
  | 'insecureSkipTlsVerify'
  | 'skipEndpointCheck'
  | 'cfnDisableRollback'
  | 'approve'
  | 'exitCode'
  | 'output'
  | 'concurrency'
  | 'timeout'
  | 'verbose'
  | 'wait'
  | 'live'
  | 'ignoreKubernetesErrors'
  | 'overrideExistingServiceaccounts'
  | 'version'
  | 'policyProfile'
  | 'rollback'
  | 'removeOidcProviderTrustRelationship';

/** commander's untyped bag, as an action receives it. */
export type OptionBag = Record<string, unknown>;

export interface Options {
  string(name: OptionName): string | undefined;
  /** A switch: true when given, else undefined (commander leaves an absent switch undefined). */
  flag(name: OptionName): true | undefined;
  list(name: OptionName): string[] | undefined;
  /** A switch with a --no- form: true, false, or undefined when neither was given. */
  boolean(name: OptionName): boolean | undefined;
  number(name: OptionName): number | undefined;
}

export function optionsOf(o: OptionBag): Options {
  return {
    string: (k) => (typeof o[k] === 'string' ? o[k] : undefined),
    flag: (k) => (o[k] === true ? true : undefined),
    list: (k) => {
      const v = o[k];
      return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined;
    },
    boolean: (k) => (typeof o[k] === 'boolean' ? o[k] : undefined),
    number: (k) => (typeof o[k] === 'number' ? o[k] : undefined),
  };
}

/** commander's option bag → the loader's flags. Values commander did not see stay undefined. */
export function configFlagsFrom(positional: string | undefined, o: OptionBag): ConfigFlags {
  const opt = optionsOf(o);
  const flags: ConfigFlags = {
    positional,
    cluster: opt.string('cluster'),
    region: opt.string('region'),
    configFile: opt.string('configFile'),
    include: opt.list('include'),
    exclude: opt.list('exclude'),
    onlyMissing: opt.flag('onlyMissing'),
    prune: opt.flag('prune'),
    pruneAll: opt.flag('pruneAll'),
    applySet: opt.string('applySet'),
    cfnRoleArn: opt.string('cfnRoleArn'),
  };
  for (const f of SERVICE_ACCOUNT_FLAGS) {
    if (f.key === undefined) continue;
    if (f.type === 'string') flags[f.key] = opt.string(f.key);
    else if (f.type === 'list') flags[f.key] = opt.list(f.key);
    else flags[f.key] = opt.flag(f.key);
  }
  // the podidentityassociation flags; a command reads only those it defined (the others stay undefined)
  for (const f of POD_IDENTITY_FLAGS) {
    if (f.type === 'string') flags[f.key] = opt.string(f.key);
    else if (f.type === 'list') flags[f.key] = opt.list(f.key);
    else flags[f.key] = opt.boolean(f.key);
  }
  return flags;
}

/** --profile, --kubeconfig, --context, --insecure-skip-tls-verify, the CloudFormation flags: how every command reaches AWS and Kubernetes. */
export function connectionFrom(o: OptionBag): ConnectionOptions {
  const opt = optionsOf(o);
  return {
    profile: opt.string('profile'),
    kubeconfig: opt.string('kubeconfig'),
    context: opt.string('context'),
    insecureSkipTlsVerify: opt.flag('insecureSkipTlsVerify') === true,
    skipEndpointCheck: opt.flag('skipEndpointCheck') === true,
    // resolveConfig has checked it, with the other problems
    cfnRoleArn: opt.string('cfnRoleArn'),
    cfnDisableRollback: opt.flag('cfnDisableRollback') === true,
  };
}

/** The names of the human-readable format: either one means the command's own (its first format). */
export const HUMAN_FORMATS: readonly string[] = ['text', 'table'];

/** -o, one of the formats this command offers (commander has checked the choice; the first is the default). */
export function outputOf<F extends string>(o: OptionBag, formats: readonly [F, ...F[]]): F {
  const given = optionsOf(o).string('output');
  return formats.find((f) => f === given) ?? formats[0];
}
