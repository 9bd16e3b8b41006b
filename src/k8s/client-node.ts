// The parts of @kubernetes/client-node irsactl uses, re-exported by name so that the bundler keeps only what they
// need: a dynamic import() of the package itself keeps all of it (every API group's client and model, 3 MB, about
// a fifth of a plan's start-up to parse).
export {
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  ResponseContext,
  ServerConfiguration,
  createConfiguration,
  setHeaderOptions,
  wrapHttpLibrary,
} from '@kubernetes/client-node';

/** The library as loaded: the names above. */
export type KubeLib = typeof import('./client-node.js');
