// JSON schemas of the API's bodies, parameters and answers. Fastify validates every request
// against them (ajv, allErrors: every offending field is reported) and @fastify/swagger turns
// them into the OpenAPI 3 document at /openapi.json.

const dateTime = { type: 'string', description: 'YYYY-MM-DDTHH:MM[:SS]' } as const;
const numberOrNumericString = { anyOf: [{ type: 'number' }, { type: 'string' }] } as const;

export const observedSeriesSchema = {
  type: 'object',
  description: 'a market data series: observations of one market object code',
  properties: {
    identifier: { type: 'string', description: 'market object code (default: the key)' },
    data: {
      type: 'array',
      items: {
        type: 'object',
        required: ['timestamp', 'value'],
        properties: { timestamp: dateTime, value: numberOrNumericString },
      },
    },
  },
} as const;

export const observedEventSchema = {
  type: 'object',
  required: ['time', 'type'],
  properties: {
    time: dateTime,
    type: { type: 'string', description: 'event type, e.g. CE (credit event), XD (exercise)' },
    value: numberOrNumericString,
    contractId: { type: 'string' },
    states: { type: 'object', additionalProperties: true },
  },
} as const;

export const testBedCaseSchema = {
  type: 'object',
  required: ['terms'],
  description: 'one contract in the form of the ACTUS test beds',
  properties: {
    identifier: { type: 'string' },
    terms: {
      type: 'object',
      additionalProperties: true,
      description:
        'ACTUS terms by data dictionary name, values as strings (contractStructure for composite types)',
    },
    dataObserved: {
      type: 'object',
      additionalProperties: observedSeriesSchema,
      description: 'market data; codes missing here come from the pipeline store',
    },
    eventsObserved: { type: 'array', items: observedEventSchema },
    to: { type: 'string', description: "horizon handed to the schedule; empty = the contract's own end" },
    results: { type: 'array', description: 'ignored (test bed files carry expected results)' },
  },
  additionalProperties: true,
} as const;

export const casesBodySchema = {
  type: 'object',
  minProperties: 1,
  description: 'an ACTUS test bed file: case id → case',
  additionalProperties: testBedCaseSchema,
} as const;

export const eventSchema = {
  type: 'object',
  properties: {
    eventDate: { type: 'string' },
    eventType: { type: 'string' },
    payoff: { type: 'number' },
    currency: { type: 'string' },
    notionalPrincipal: { type: 'number' },
    nominalInterestRate: { type: 'number' },
    accruedInterest: { type: 'number' },
    exerciseDate: { type: 'string' },
    exerciseAmount: { type: 'number' },
  },
} as const;

export const caseResultsSchema = {
  type: 'object',
  description: 'exactly what `cashflow actus` prints: case id → events, or {"error": reason}',
  additionalProperties: {
    oneOf: [
      { type: 'array', items: eventSchema },
      { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
    ],
  },
} as const;

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string' },
    issues: {
      type: 'array',
      description: 'every offending field (JSON pointer into the body or parameters)',
      items: {
        type: 'object',
        properties: {
          in: { type: 'string', enum: ['body', 'querystring', 'params', 'headers'] },
          field: { type: 'string' },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

/** /readyz: the status alone, with each dependency for a valid key (no URL, user, host or port). */
export const readinessSchema = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not ready'] },
    dependencies: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        required: ['status'],
        properties: {
          status: { type: 'string', enum: ['ok', 'unreachable', 'not configured'] },
          detail: { type: 'string' },
          breaker: { type: 'string', enum: ['closed', 'open', 'half-open'] },
        },
      },
    },
  },
} as const;

export const jobAcceptedSchema = {
  type: 'object',
  required: ['jobId'],
  properties: {
    jobId: { type: 'string' },
    contracts: { type: 'integer' },
    chunks: { type: 'integer' },
    statusUrl: { type: 'string' },
    eventsUrl: { type: 'string' },
    resultUrl: { type: 'string' },
  },
} as const;

export const portfolioRecalcSchema = {
  type: 'object',
  required: ['portfolioId', 'status', 'contracts', 'createdAt'],
  properties: {
    portfolioId: { type: 'string' },
    status: { type: 'string', enum: ['queued'], description: 'the recalc requests are on the pipeline' },
    contracts: {
      type: 'object',
      properties: { done: { type: 'integer' }, total: { type: 'integer' } },
      description: 'the distinct contracts the portfolio holds, each requested once',
    },
    createdAt: { type: 'string', format: 'date-time' },
    topic: { type: 'string', description: 'where the requests went (recalc-requests)' },
  },
} as const;

export const jobStatusSchema = {
  type: 'object',
  properties: {
    jobId: { type: 'string' },
    status: { type: 'string', enum: ['submitting', 'queued', 'running', 'completed', 'failed'] },
    chunks: { type: 'object', properties: { done: { type: 'integer' }, total: { type: 'integer' } } },
    contracts: { type: 'object', properties: { done: { type: 'integer' }, total: { type: 'integer' } } },
    contractsPerSecond: { type: ['number', 'null'] },
    etaSeconds: { type: ['number', 'null'] },
    createdAt: { type: 'string' },
    startedAt: { type: ['string', 'null'] },
    completedAt: { type: ['string', 'null'] },
    error: { type: ['string', 'null'] },
    callback: {
      type: ['object', 'null'],
      properties: { url: { type: 'string' }, status: { type: 'string' }, attempts: { type: 'integer' } },
    },
    resultUrl: { type: 'string' },
  },
} as const;

export const jobIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } },
} as const;

export const jobQuerySchema = {
  type: 'object',
  properties: {
    callbackUrl: {
      type: 'string',
      format: 'uri',
      pattern: '^https?://',
      description: 'POSTed the completion (with retries) when the job ends',
    },
  },
  additionalProperties: false,
} as const;

export const resultQuerySchema = {
  type: 'object',
  properties: { format: { type: 'string', enum: ['json', 'csv'] } },
  additionalProperties: false,
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

export const rangeQuerySchema = {
  type: 'object',
  properties: {
    from: {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2})?)?$',
      description: 'inclusive lower bound on the event date',
    },
    to: {
      type: 'string',
      pattern: '^\\d{4}-\\d{2}-\\d{2}(T\\d{2}:\\d{2}(:\\d{2})?)?$',
      description: 'exclusive upper bound on the event date',
    },
  },
  additionalProperties: false,
} as const;

export const ladderQuerySchema = {
  type: 'object',
  properties: {
    ...rangeQuerySchema.properties,
    bucket: { type: 'string', enum: ['month', 'quarter'], default: 'month' },
  },
  additionalProperties: false,
} as const;

const nullableNumber = { type: ['number', 'null'] } as const;
export const cashflowRowSchema = {
  type: 'object',
  properties: {
    contractId: { type: 'string' },
    seq: { type: 'integer' },
    eventDate: { type: 'string' },
    eventType: { type: 'string' },
    currency: { type: ['string', 'null'] },
    payoff: { type: 'number' },
    notionalPrincipal: nullableNumber,
    nominalInterestRate: nullableNumber,
    accruedInterest: nullableNumber,
    version: { type: 'number' },
  },
} as const;

export const contractCashflowsSchema = {
  type: 'object',
  properties: {
    contractId: { type: 'string' },
    version: { type: ['number', 'null'] },
    status: { type: ['string', 'null'] },
    reason: { type: ['string', 'null'] },
    computedAt: { type: ['string', 'null'] },
    cashflows: { type: 'array', items: cashflowRowSchema },
  },
} as const;

export const portfolioCashflowsSchema = {
  type: 'object',
  properties: {
    portfolioId: { type: 'string' },
    cashflows: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          ...cashflowRowSchema.properties,
          positionId: { type: 'string' },
          portfolioId: { type: 'string' },
          quantity: { type: 'number' },
        },
      },
    },
  },
} as const;

export const ladderSchema = {
  type: 'object',
  properties: {
    portfolioId: { type: 'string' },
    bucket: { type: 'string' },
    rows: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          bucket: { type: 'string' },
          currency: { type: ['string', 'null'] },
          payoff: { type: 'number' },
          events: { type: 'integer' },
        },
      },
    },
  },
} as const;
