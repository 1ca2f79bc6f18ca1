import { describe, expect, it } from 'vitest';
import { buildTopology } from '../../topology/topology.js';
import { bytesForDisplay, displayable, headersForDisplay, jsonOrText, resolveTopic } from './inspect.js';

describe('inspect', () => {
  const topology = buildTopology({ database: 'cashflow', schema: 'public', prefix: 'x.' });

  it('finds a topic by topology id, full name, or name without the prefix', () => {
    expect(resolveTopic(topology, 'recalcRequests')?.name).toBe('x.cashflow.recalc-requests');
    expect(resolveTopic(topology, 'x.cashflow.dead-letter')?.id).toBe('deadLetter');
    expect(resolveTopic(topology, 'cashflow.contract-terms')?.id).toBe('contractTerms');
    expect(resolveTopic(topology, 'contract-cashflows')?.id).toBe('contractCashflows');
    expect(resolveTopic(topology, 'cdc.cashflow.public.contracts')?.id).toBe('cdcContracts');
    expect(resolveTopic(topology, 'nope')).toBeUndefined();
  });

  it('shows text as text and binary as base64', () => {
    expect(bytesForDisplay(Buffer.from('contract-1'))).toBe('contract-1');
    expect(bytesForDisplay(Buffer.from([0, 0, 0, 1, 0xff]))).toBe('base64:AAAAAf8=');
    expect(bytesForDisplay(null)).toBeNull();
  });

  it('shows a Debezium JSON value without its schema part', () => {
    expect(jsonOrText(Buffer.from('{"schema":{"type":"struct"},"payload":{"op":"c"}}'))).toEqual({ op: 'c' });
    expect(jsonOrText(Buffer.from('{not json'))).toBe('{not json');
  });

  it("makes a dead letter's buffers and headers readable", () => {
    expect(displayable({ reason: 'bad', originalValue: Buffer.from('{"a":1}'), nested: [Buffer.from('x')] })).toEqual({
      reason: 'bad',
      originalValue: { a: 1 },
      nested: ['x'],
    });
    expect(headersForDisplay({ reason: Buffer.from('invalid terms'), n: ['1', Buffer.from('2')] })).toEqual({ reason: 'invalid terms', n: ['1', '2'] });
  });
});
