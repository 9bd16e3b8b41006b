import { Command, Option } from 'commander';
import type { CliContext } from './context.js';
import { examples } from './help.js';
import type { JsonSchemaDraft } from '../config/json-schema.js';

export function schemaCommand(ctx: CliContext): Command {
  const drafts: JsonSchemaDraft[] = ['draft-07', 'draft-2020-12'];
  const cmd = new Command('schema')
    .description('Print the JSON Schema of the ClusterConfig sections irsactl reads (metadata, iam.serviceAccounts), for editors and validators')
    .addOption(new Option('--draft <version>', 'JSON Schema draft').choices(drafts).default(drafts[0]))
    .option('--run-document', 'print instead the schema of the -o json|yaml document of plans and results (irsactl/v1)');
  cmd.addHelpText(
    'after',
    examples([
      'irsactl utils schema > irsactl.schema.json',
      '# then, as the first line of cluster.yaml:  # yaml-language-server: $schema=./irsactl.schema.json',
      'irsactl utils schema --run-document > irsactl-run.schema.json   # what create/update/delete/apply -o json print',
    ]),
  );
  cmd.action(async (o: { draft: JsonSchemaDraft; runDocument?: boolean }) => {
    const { printClusterConfigSchema } = await import('../actions/schema.js');
    printClusterConfigSchema(ctx.io, o.draft, o.runDocument === true);
  });
  return cmd;
}
