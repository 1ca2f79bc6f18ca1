import type { Command } from 'commander';
import { UserFacingError } from '../command.js';

// `cashflow actus FILE`: computes every case of an ACTUS test bed file; stdout carries exactly
// one JSON object (docs/interfaces.md). Loads only the engine: no Kafka, database or Redis.
export function register(program: Command): void {
  program
    .command('actus')
    .description('compute an ACTUS test bed file and print the events as JSON')
    .argument('<file>', 'test bed file in the format of ../shared/actus/tests/')
    .action(async (file: string) => {
      const { readFile } = await import('node:fs/promises');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw new UserFacingError(`cannot read ${file}: ${(e as Error).message}`, 2);
      }
      let bed: unknown;
      try {
        bed = JSON.parse(text);
      } catch (e) {
        throw new UserFacingError(`${file} is not JSON: ${(e as Error).message}`, 2);
      }
      const { testBedResultText, isTestBed } = await import('../../engine/testbed.js');
      if (!isTestBed(bed)) throw new UserFacingError(`${file} is not an ACTUS test bed (an object of cases with terms)`, 2);
      // the one serializer of test bed results (the API's answers and job results use it too)
      const out = testBedResultText(bed);
      await new Promise<void>((resolve, reject) => process.stdout.write(out + '\n', (err) => (err ? reject(err) : resolve())));
    });
}
