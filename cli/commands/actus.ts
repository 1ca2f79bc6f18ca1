// `cashflow actus FILE`: computes every case of an ACTUS test bed file; stdout carries exactly
// one JSON object (docs/interfaces.md). Loads only the engine: no Kafka, database or Redis.
import { UserFacingError } from '../command.js';
import { readFile } from 'node:fs/promises';
import { testBedResultText, isTestBed } from '../../engine/index.js';

/** `cashflow actus` */
export async function action(file: string): Promise<void> {
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
  if (!isTestBed(bed)) throw new UserFacingError(`${file} is not an ACTUS test bed (an object of cases with terms)`, 2);
  // the one serializer of test bed results (the API's answers and job results use it too)
  const out = testBedResultText(bed);
  await new Promise<void>((resolve, reject) => process.stdout.write(out + '\n', (err) => (err ? reject(err) : resolve())));
}

