/**
 * irsactl's version, in a module of its own so that `--help`/`--version` load nothing else.
 * A constant rather than a package.json read: the bundle must not touch the file system for it.
 */
export const IRSACTL_VERSION: string = '0.1.0';

/** What irsactl writes in its stacks' alpha.eksctl.io/eksctl-version tag: eksctl reads it as "made by another tool, at this version". */
export const STACK_VERSION_TAG_VALUE = `irsactl-${IRSACTL_VERSION}`;
