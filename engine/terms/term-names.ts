// Term names: the dictionary's, the other spellings the test beds use for some of them, and the
// did-you-mean of a name that is neither (a misspelt term is reported, never left out unseen).
import { boundedText } from '../errors.js';
import { TERM_DEFINITIONS } from './dictionary.js';

/** Names the test beds use that the dictionary spells differently. */
export const ALIASES: Record<string, string> = {
  fixingDays: 'fixingPeriod',
  cycleAnchorDateOfDividendPayment: 'cycleAnchorDateOfDividend',
  cycleOfDividendPayment: 'cycleOfDividend',
  // the CEC test beds' collateral children (collateral01...): `creatorId` for the dictionary's creatorID
  creatorId: 'creatorID',
};

/** Dictionary names and aliases, lower-cased, for the did-you-mean of an unknown name. */
const KNOWN_NAMES = [...Object.keys(TERM_DEFINITIONS), ...Object.keys(ALIASES)];

/** Edit distance (Levenshtein with adjacent transpositions) of a and b, or more than `max` once it exceeds it. */
function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The dictionary name an unknown term name most likely means: the one equal to it ignoring
 * case, else the nearest by edit distance (case-insensitive), if within a third of its length
 * (at least 2). Runs only for an unknown name (never on the parsing of valid terms).
 */
export function nearestTermName(name: string): string | undefined {
  if (name.length > 200) return undefined; // not a misspelt name: no search through it
  const lower = name.toLowerCase();
  for (const k of KNOWN_NAMES) if (k.toLowerCase() === lower) return ALIASES[k] ?? k;
  const max = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const k of KNOWN_NAMES) {
    const d = editDistance(lower, k.toLowerCase(), Math.min(max, bestDistance));
    if (d < bestDistance) {
      bestDistance = d;
      best = ALIASES[k] ?? k;
    }
  }
  return best;
}

export function unknownTermReason(name: string): string {
  const near = nearestTermName(name);
  return `unknown term '${boundedText(name)}'${near ? ` (did you mean '${near}'?)` : ''}`;
}

