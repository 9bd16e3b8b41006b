import { clusterConfigJsonSchema, type JsonSchemaDraft } from '../config/json-schema.js';
import type { Io } from '../output/io.js';
import { runDocumentJsonSchema } from '../output/run-document.js';

/** `irsactl utils schema`: the ClusterConfig's JSON Schema (or, with --run-document, -o json's) on stdout, for editors and validators. */
export function printClusterConfigSchema(io: Io, draft: JsonSchemaDraft, runDocument = false): void {
  io.stdout.write(`${JSON.stringify(runDocument ? runDocumentJsonSchema(draft) : clusterConfigJsonSchema(draft), null, 2)}\n`);
}
