// `cashflow inspect`: arguments, options and help (cli/table.ts); what it does is
// cli/commands/inspect.ts.
import type { Command } from 'commander';

export function define(program: Command): void {
  program
    .command('inspect')
    .description('print the decoded records of a topic, one JSON object per line (key, partition, offset, headers, value)')
    .argument('<topic>', 'topology topic id (e.g. recalcRequests, deadLetter) or topic name')
    .option('-f, --follow', 'keep printing new records until interrupted (starts at the end unless --from-beginning)')
    .option('--from-beginning', 'with --follow: start at the earliest record (without --follow, reading always starts there)')
    .option('-n, --limit <n>', 'stop after this many records')
    .option('-p, --partition <p>', 'only this partition')
    .addHelpText(
      'after',
      '\nWithout --follow it prints what the topic holds now and exits. Dead letters show their reason in the\n' +
        'headers and value. Logs go to stderr; stdout carries only the records.',
    );
}
