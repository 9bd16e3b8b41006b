/**
 * irsactl's version, in a module of its own so that `--help`/`--version` load nothing else.
 * A constant rather than a package.json read: the bundle must not touch the file system for it.
 */
export const IRSACTL_VERSION: string = '0.1.0';
