import { RunDocumentSchema, type RunDocument, type RunItem } from '../../src/output/run-document.js';

/** A command's -o json output, checked against the run document's schema (throws naming what does not fit). */
export function parseRunDocument(stdout: string): RunDocument {
  return RunDocumentSchema.parse(JSON.parse(stdout));
}

/** The item of `id`, which must be there. */
export function itemOf(doc: RunDocument, id: string): RunItem {
  const item = doc.items.find((i) => i.id === id);
  if (!item) throw new Error(`no item ${id} in the ${doc.kind} (items: ${doc.items.map((i) => i.id).join(', ')})`);
  return item;
}
