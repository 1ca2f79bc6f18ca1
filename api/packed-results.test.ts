// Packed job results: packing a chunk's computed cases and rendering them gives exactly the
// text of caseResultJson / `cashflow actus` (and the CSV of that JSON), for every contract type
// of the visible test beds, errors, unicode, wide symbol tables and unaligned buffers.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { JsonBytes } from '../engine/json-bytes.js';
import { computeCase, computeTestBed, type TestBedCase } from '../engine/testbed.js';
import { caseResultJson, objectBody, type Cases } from './compute.js';
import { csvRows } from './csv.js';
import {
  isPacked,
  packResults,
  ResultsPacker,
  unpackResults,
  writeResultsCsv,
  writeResultsJson,
} from './packed-results.js';
import { pamTerms } from '../test/support/pam-terms.js';

const dir = join(import.meta.dirname, '..', '..', 'shared', 'actus', 'tests');
const files = existsSync(dir)
  ? readdirSync(dir)
      .filter((f) => /^actus-tests-.*\.json$/.test(f))
      .sort()
  : [];

const terms = pamTerms;

/** A chunk packed, stored (deflated, at an odd offset as a Buffer from Redis may be) and read. */
function roundTrip(cases: Cases) {
  const ids = Object.keys(cases);
  const packed = packResults(
    ids,
    ids.map((id) => computeCase(cases[id])),
  );
  const stored = deflateRawSync(packed, { level: 1 });
  const inflated = inflateRawSync(stored);
  const odd = Buffer.alloc(inflated.length + 3);
  inflated.copy(odd, 3);
  const bytes = odd.subarray(3);
  expect(isPacked(bytes)).toBe(true);
  return unpackResults(bytes);
}

function renderJson(cases: Cases, continues = false): string {
  const w = new JsonBytes(16);
  writeResultsJson(w, roundTrip(cases), continues);
  return w.toString();
}
/** CSV compared as the bytes sent (UTF-8: a lone surrogate becomes U+FFFD on both sides). */
function renderCsv(cases: Cases): string {
  const w = new JsonBytes(16);
  writeResultsCsv(w, roundTrip(cases));
  return w.toString();
}
const expectedCsv = (cases: Cases) =>
  Buffer.from(csvRows(JSON.parse(`{${expectedJson(cases)}}`)), 'utf8').toString('utf8');
const expectedJson = (cases: Cases) => {
  const ids = Object.keys(cases);
  return objectBody(
    ids,
    ids.map((id) => caseResultJson(cases[id])),
  );
};

const varied: Cases = {
  ok: { terms: terms() },
  '7': { terms: terms({ currency: 'é€😀"\\\u2028\ud800' }) },
  invalid: { terms: terms({ contractType: 'NO"PE\n' }) },
  badRate: { terms: terms({ nominalInterestRate: 'x\\y', notionalPrincipal: '-' }) },
  badTo: { terms: terms(), to: '2015-13-01"' },
  empty: { terms: terms(), to: '2015-01-02T00:00:00' },
  none: {} as TestBedCase,
  'quoted "id" \\ \u0001 😀': {
    terms: terms({ maturityDate: '9999-01-15T00:00:00', cycleOfInterestPayment: 'P100YL0' }),
  },
  ump: {
    terms: terms({ contractType: 'UMP', cycleOfInterestPayment: '', cycleAnchorDateOfInterestPayment: '' }),
  },
};

describe('packed job results', () => {
  it('render to caseResultJson of every case: varied cases, errors, unicode, empty schedules', () => {
    expect(renderJson(varied)).toBe(expectedJson(varied));
    expect(`{${renderJson(varied)}}`).toBe(JSON.stringify(computeTestBed(varied)));
    expect(renderJson(varied, true)).toBe(`,${expectedJson(varied)}`);
    expect(renderCsv(varied)).toBe(expectedCsv(varied));
  });

  it.skipIf(files.length === 0)(
    'render every visible test bed (every contract type, market data, exercises) as cashflow actus prints it',
    () => {
      for (const f of files) {
        const bed = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Cases;
        expect(renderJson(bed), f).toBe(expectedJson(bed));
        expect(renderCsv(bed), f).toBe(expectedCsv(bed));
      }
    },
  );

  it('index symbols in 1, 2 or 4 bytes as the chunk needs', () => {
    for (const n of [300, 70_000]) {
      const cases: Cases = {};
      for (let i = 0; i < n; i++)
        cases[`c${i}`] = { terms: terms({ currency: `C${i}`, maturityDate: '2015-06-15T00:00:00' }) };
      const p = roundTrip(cases);
      expect(p.type.BYTES_PER_ELEMENT).toBe(n > 65_000 ? 4 : 2);
      if (n === 300) expect(renderJson(cases)).toBe(expectedJson(cases));
    }
  });

  it('a packer reused after finish() packs each chunk as a fresh one does (the job-worker keeps its packers)', () => {
    const packer = new ResultsPacker();
    const chunks: Cases[] = [varied, { one: { terms: terms() } }, {}];
    for (const f of files.slice(0, 4)) chunks.push(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Cases);
    for (const cases of [...chunks, ...chunks]) {
      const ids = Object.keys(cases);
      const results = ids.map((id) => computeCase(cases[id]));
      ids.forEach((id, i) => packer.add(id, results[i]));
      expect(Buffer.from(packer.finish())).toEqual(Buffer.from(packResults(ids, results)));
    }
    // cases added, then dropped (a chunk given up midway) leave nothing behind
    packer.add('dropped', computeCase(varied.ok));
    packer.clear();
    packer.add('ok', computeCase(varied.ok));
    expect(Buffer.from(packer.finish())).toEqual(Buffer.from(packResults(['ok'], [computeCase(varied.ok)])));
  });

  it('an empty chunk packs and renders to nothing', () => {
    expect(renderJson({})).toBe('');
    expect(renderCsv({})).toBe('');
  });

  it('refuses bytes that are not packed results', () => {
    expect(isPacked(Buffer.from('"c1":[]'))).toBe(false);
    expect(() => unpackResults(new Uint8Array(64))).toThrow(/CFR1/);
  });
});
