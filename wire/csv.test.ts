import { describe, expect, it } from 'vitest';
import { csvField, csvHeader, csvRows } from './csv.js';

describe('csv', () => {
  it('writes one row per event and one per failed case, quoting where needed', () => {
    const text =
      csvHeader() +
      csvRows({
        'a,1': [
          {
            eventDate: '2020-01-01T00:00:00',
            eventType: 'IED',
            payoff: -100,
            currency: 'USD',
            notionalPrincipal: 100,
          },
        ],
        b: { error: 'bad "terms"' },
      });
    const lines = text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    expect(lines[0].split(',')).toHaveLength(11);
    expect(lines[1]).toBe('"a,1",2020-01-01T00:00:00,IED,-100,USD,100,,,,,');
    expect(lines[2]).toBe('b,,,,,,,,,,"bad ""terms"""');
    expect(csvField(null)).toBe('');
  });
});
