// The one declaration of the pipeline's topics and processors (docs/architecture.md). Pure
// data: topic creation (`cashflow topics apply`), schema registration, the `cashflow topology`
// picture and the processors' runner all read it. No Kafka, database or Redis import here.
import type { Config } from '../config/config.js';
import type { RecordName } from '../schemas/types.js';

/**
 * Every topic keyed by contract id has this many partitions, so a contract's requests and
 * results stay in order on the same partition number (invariant 1). Growing it later moves
 * keys between partitions: do it only with the pipeline drained.
 */
export const CONTRACT_PARTITIONS = 12;

const DAY_MS = 24 * 60 * 60 * 1000;

export type TopicId =
  | 'cdcContracts'
  | 'cdcPositions'
  | 'cdcMarketData'
  | 'cdcObservedEvents'
  | 'contractTerms'
  | 'marketObservations'
  | 'positions'
  | 'recalcRequests'
  | 'contractCashflows'
  | 'deadLetter'
  | 'jobs'
  | 'apiJobs'
  | 'jobEvents';

export type ProcessorName =
  | 'contract-ingest'
  | 'market-ingest'
  | 'positions-ingest'
  | 'impact'
  | 'calculator'
  | 'sink'
  | 'job-worker'
  | 'verifier';

/** What a message key is, so that partitioning can be reasoned about. */
export type KeyKind =
  | 'contract-id'
  | 'market-observation' // `<market object code>|<observed at>`
  | 'position-id'
  | 'job-id'
  | 'job-chunk' // `<job id>|<chunk>`: a big job's chunks spread over every partition
  | 'original' // dead letters keep the key of the message they set aside
  | 'debezium-primary-key'; // the source row's primary key as Debezium JSON

export type ValueFormat = { format: 'avro'; record: RecordName } | { format: 'debezium-json'; table: string };

export interface TopicSpec {
  id: TopicId;
  name: string;
  partitions: number;
  /** cleanup.policy=compact: the latest value per key is kept forever (state rebuild reads these). */
  compacted: boolean;
  /** retention.ms for delete-policy topics; -1 keeps forever. */
  retentionMs: number;
  /** Keys are UTF-8 strings (not Avro) on our own topics. */
  key: { format: 'string' | 'debezium-json'; kind: KeyKind };
  value: ValueFormat;
  /** Who writes it: a processor, Debezium, or the CLI/API. */
  producedBy: (ProcessorName | 'debezium' | 'cli' | 'api')[];
  description: string;
}

export interface ProcessorSpec {
  name: ProcessorName;
  description: string;
  inputs: TopicId[];
  outputs: TopicId[];
  consumerGroup: string;
  /** State it reads or writes outside Kafka (documentation for the picture). */
  state: string[];
  /** It reaches the database (DATABASE_URL): its process's /readyz lists the database. */
  database?: true;
  /**
   * Watches results without producing any (the verifier): nothing downstream waits for its
   * group, so "the pipeline is quiet" (pipelineQuiet: recalc --wait, demo, bench) leaves it out.
   */
  observer?: boolean;
}

export interface TopologyOptions {
  /** Database name in CDC topic names: `cdc.<database>.<schema>.<table>` (docs/interfaces.md). */
  database: string;
  /** `public` on PostgreSQL, `dbo` on SQL Server. */
  schema: string;
  /** Prepended to every topic and consumer group name (tests use a unique one). */
  prefix?: string;
  partitions?: number;
}

export interface Topology {
  readonly options: Required<TopologyOptions>;
  readonly topics: readonly TopicSpec[];
  readonly processors: readonly ProcessorSpec[];
  topic(id: TopicId): TopicSpec;
  processor(name: ProcessorName): ProcessorSpec;
  /** The topic spec with this exact name, if it is one of ours. */
  topicNamed(name: string): TopicSpec | undefined;
  /** Subject of a topic's value schema in the registry (TopicNameStrategy). */
  valueSubject(id: TopicId): string;
}

/** `cdc.<database>.<schema>.<table>`: the CDC topic name on both databases. */
export function cdcTopicName(database: string, schema: string, table: string, prefix = ''): string {
  return `${prefix}cdc.${database}.${schema}.${table}`;
}

export function buildTopology(options: TopologyOptions): Topology {
  const o: Required<TopologyOptions> = {
    prefix: '',
    partitions: CONTRACT_PARTITIONS,
    ...options,
  };
  const p = o.prefix;
  const cdc = (id: TopicId, table: string, description: string): TopicSpec => ({
    id,
    name: cdcTopicName(o.database, o.schema, table, p),
    partitions: o.partitions,
    compacted: false,
    retentionMs: 7 * DAY_MS,
    key: { format: 'debezium-json', kind: 'debezium-primary-key' },
    value: { format: 'debezium-json', table },
    producedBy: ['debezium'],
    description,
  });
  /** One of our own compacted topics (kept forever: `cashflow state rebuild` reads them). */
  const compacted = (id: TopicId, what: string, key: KeyKind, record: RecordName, producedBy: ProcessorName, description: string): TopicSpec => ({
    id,
    name: `${p}cashflow.${what}`,
    partitions: o.partitions,
    compacted: true,
    retentionMs: -1,
    key: { format: 'string', kind: key },
    value: { format: 'avro', record },
    producedBy: [producedBy],
    description,
  });
  /** Jobs in chunks, key `<job id>|<chunk>` (a big job's chunks over every partition), kept 7 days. */
  const jobChunks = (id: TopicId, what: string, producedBy: 'cli' | 'api', description: string): TopicSpec => ({
    id,
    name: `${p}cashflow.${what}`,
    partitions: o.partitions,
    compacted: false,
    retentionMs: 7 * DAY_MS,
    key: { format: 'string', kind: 'job-chunk' },
    value: { format: 'avro', record: 'JobChunk' },
    producedBy: [producedBy],
    description,
  });
  const topics: TopicSpec[] = [
    cdc('cdcContracts', 'contracts', 'change events of the contracts table'),
    cdc(
      'cdcPositions',
      'positions',
      'change events of the positions table (no recalculation: the view scales; membership of portfolios)',
    ),
    cdc('cdcMarketData', 'market_data', 'change events of the market_data table'),
    cdc(
      'cdcObservedEvents',
      'observed_events',
      'change events of observed_events (credit events, exercise decisions)',
    ),
    compacted('contractTerms', 'contract-terms', 'contract-id', 'ContractTerms', 'contract-ingest', 'current terms and observed events per contract'),
    compacted(
      'marketObservations',
      'market-observations',
      'market-observation',
      'MarketObservation',
      'market-ingest',
      'every market data observation (the key keeps each one through compaction)',
    ),
    compacted(
      'positions',
      'positions',
      'position-id',
      'Position',
      'positions-ingest',
      'every position (portfolio, contract, quantity): the portfolio membership state is rebuilt from it',
    ),
    {
      id: 'recalcRequests',
      name: `${p}cashflow.recalc-requests`,
      partitions: o.partitions,
      compacted: false,
      retentionMs: 7 * DAY_MS,
      key: { format: 'string', kind: 'contract-id' },
      value: { format: 'avro', record: 'RecalcRequest' },
      producedBy: ['impact', 'cli', 'api'],
      description: 'contracts to recompute',
    },
    compacted('contractCashflows', 'contract-cashflows', 'contract-id', 'ContractCashflows', 'calculator', 'the whole schedule of one contract at one version'),
    {
      id: 'deadLetter',
      name: `${p}cashflow.dead-letter`,
      partitions: o.partitions,
      compacted: false,
      retentionMs: 30 * DAY_MS,
      key: { format: 'string', kind: 'original' },
      value: { format: 'avro', record: 'DeadLetter' },
      producedBy: ['contract-ingest', 'market-ingest', 'positions-ingest', 'impact', 'calculator', 'sink', 'verifier'],
      description: 'poison input with processor, reason and origin',
    },
    jobChunks('jobs', 'jobs', 'cli', 'recalculation jobs of stored contracts in chunks of contract ids'),
    // the API's own topic: the job-worker reads only these, impact only the recalculation jobs
    jobChunks('apiJobs', 'api-jobs', 'api', "the API's jobs in chunks of test bed cases (JobChunk.cases)"),
    {
      id: 'jobEvents',
      name: `${p}cashflow.job-events`,
      partitions: o.partitions,
      compacted: false,
      retentionMs: 7 * DAY_MS,
      key: { format: 'string', kind: 'job-id' },
      value: { format: 'avro', record: 'JobEvent' },
      producedBy: ['impact', 'api', 'job-worker'],
      description: 'progress of jobs',
    },
  ];
  const group = (name: ProcessorName) => `${p}cashflow.${name}`;
  const processors: ProcessorSpec[] = [
    {
      name: 'contract-ingest',
      description: 'Debezium contract and observed-event rows → validated terms (poison → dead letter)',
      inputs: ['cdcContracts', 'cdcObservedEvents'],
      outputs: ['contractTerms', 'deadLetter'],
      consumerGroup: group('contract-ingest'),
      state: [],
    },
    {
      name: 'market-ingest',
      description: 'Debezium market_data rows → market observations',
      inputs: ['cdcMarketData'],
      outputs: ['marketObservations', 'deadLetter'],
      consumerGroup: group('market-ingest'),
      state: [],
    },
    {
      name: 'positions-ingest',
      description: 'Debezium positions rows → portfolio membership (portfolio → contracts with quantities) and positions (poison → dead letter)',
      inputs: ['cdcPositions'],
      outputs: ['positions', 'deadLetter'],
      consumerGroup: group('positions-ingest'),
      state: ['redis: positions and portfolio membership (writes)'],
    },
    {
      name: 'impact',
      description: 'which contracts does this change touch? terms and market data → recalc requests',
      inputs: ['contractTerms', 'marketObservations', 'jobs'],
      outputs: ['recalcRequests', 'jobEvents', 'deadLetter'],
      consumerGroup: group('impact'),
      state: ['redis: contract terms, market data, dependency index (writes)'],
    },
    {
      name: 'calculator',
      description:
        "ACTUS engine: recalc request → the contract's whole schedule (unchanged fingerprint → nothing)",
      inputs: ['recalcRequests'],
      outputs: ['contractCashflows', 'deadLetter'],
      consumerGroup: group('calculator'),
      state: ['redis: contract terms, market data (reads); last fingerprint and version (writes)'],
    },
    {
      name: 'sink',
      description: 'contract schedules → contract_cashflows and cashflow_versions (newer versions only)',
      inputs: ['contractCashflows'],
      outputs: ['deadLetter'],
      consumerGroup: group('sink'),
      state: ['database: contract_cashflows, cashflow_versions (writes)'],
      database: true,
    },
    {
      name: 'job-worker',
      description:
        "API jobs: a chunk's test bed cases → their results under the job in Redis, progress on job-events; the last chunk → the job's callback URL",
      inputs: ['apiJobs'],
      outputs: ['jobEvents'],
      consumerGroup: group('job-worker'),
      state: ['redis: job status and results (writes), market data (reads)'],
    },
    {
      name: 'verifier',
      description:
        'reconciliation at CASHFLOW_VERIFY_RATE contracts/s: results going by first, then a rolling walk of the book; each contract recomputed from the source tables and compared field by field with the result tables',
      inputs: ['contractCashflows'],
      outputs: ['deadLetter'],
      consumerGroup: group('verifier'),
      state: ['database: source and result tables (reads)'],
      database: true,
      observer: true,
    },
  ];
  const byId = new Map(topics.map((t) => [t.id, t]));
  const byName = new Map(topics.map((t) => [t.name, t]));
  const byProcessor = new Map(processors.map((x) => [x.name, x]));
  return {
    options: o,
    topics,
    processors,
    topic(id) {
      const t = byId.get(id);
      if (!t) throw new Error(`unknown topic id ${id}`);
      return t;
    },
    processor(name) {
      const x = byProcessor.get(name);
      if (!x) throw new Error(`unknown processor ${name}`);
      return x;
    },
    topicNamed: (name) => byName.get(name),
    valueSubject(id) {
      return `${byId.get(id)!.name}-value`;
    },
  };
}

/** The database name and schema CDC topics carry, from the configured DATABASE_URL. */
export function cdcSource(config: Pick<Config, 'database'>): { database: string; schema: string } {
  let database = 'cashflow';
  try {
    database = decodeURIComponent(new URL(config.database.url).pathname.replace(/^\//, '')) || database;
  } catch {
    // keep the default; the database client reports the bad URL
  }
  return { database, schema: config.database.dialect === 'mssql' ? 'dbo' : 'public' };
}

/**
 * The topology of the configured environment (config.pipeline.topicPrefix, CASHFLOW_TOPIC_PREFIX,
 * for isolated runs). An explicit `env` takes the prefix from it instead (tests).
 */
export function topologyFromConfig(
  config: Pick<Config, 'database'> & { pipeline?: Pick<Config['pipeline'], 'topicPrefix'> },
  overrides: Partial<TopologyOptions> = {},
  env?: Record<string, string | undefined>,
): Topology {
  const prefix = env ? (env.CASHFLOW_TOPIC_PREFIX ?? '') : (config.pipeline?.topicPrefix ?? '');
  return buildTopology({ ...cdcSource(config), prefix, ...overrides });
}
