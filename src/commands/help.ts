import { Command } from 'commander';

// How a command presents itself: eksctl's `<verb> iamserviceaccount` shape and the examples under its help.

/** `<verb> iamserviceaccount [name]` (alias iamserviceaccounts), as eksctl spells it. */
export function iamServiceAccountCommand(description: string): Command {
  return new Command('iamserviceaccount').alias('iamserviceaccounts').description(description).argument('[name]', 'ServiceAccount name (or --name)');
}

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}

/** `<verb> podidentityassociation` (alias podidentityassociations), as eksctl spells it: no positional argument. */
export function podIdentityAssociationCommand(description: string): Command {
  return new Command('podidentityassociation').alias('podidentityassociations').description(description);
}
