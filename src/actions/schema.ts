import { clusterConfigJsonSchema, type JsonSchemaDraft } from '../config/json-schema.js';
import type { Io } from '../output/io.js';

/** `irsactl utils schema`: the ClusterConfig's JSON Schema on stdout, for editors and validators. */
export function printClusterConfigSchema(io: Io, draft: JsonSchemaDraft): void {
  io.stdout.write(`${JSON.stringify(clusterConfigJsonSchema(draft), null, 2)}\n`);
}
