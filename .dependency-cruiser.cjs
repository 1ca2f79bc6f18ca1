// Which module may import which (`npm run lint` runs it after ESLint): docs/architecture.md
// "Folders". Static, dynamic and type-only imports all count.

/**
 * The layers, lowest first. A folder imports its own layer and the layers below, never one
 * above (tests may reach higher, e.g. to run a command).
 */
const LAYERS = [
  ['engine'], // the ACTUS engine, pure
  ['config', 'schemas', 'topology'], // data: the configuration, the Avro schemas, the graph
  ['wire'], // encodings of a schedule
  ['clients'], // Kafka, the registry, Connect, Redis, HTTP
  ['db', 'state', 'connectors', 'dependencies'], // adapters: the database twins, the state store, Debezium, meeting dependencies
  ['processors', 'jobs', 'api', 'monitoring', 'tracing'], // what runs
  ['platform', 'stack', 'chaos', 'bench', 'demo'], // bringing it up and down, exercising it
  ['cli'], // the command line, on top
];

const folders = (layers) => `^(${layers.flat().join('|')})/`;
const notTests = ['\\.test\\.ts$', '^test/'];

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.join('-')}`,
  severity: 'error',
  comment: `${layer.join(', ')} import only their own layer and those below (docs/architecture.md "Folders").`,
  from: { path: folders([layer]), pathNot: notTests },
  to: { path: folders(LAYERS.slice(i + 1)) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module never reaches itself through its imports.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'engine-is-pure',
      severity: 'error',
      comment: 'The engine imports only itself and Node built-ins: everything else imports the engine.',
      from: { path: '^engine/', pathNot: '\\.test\\.ts$' },
      to: { pathNot: ['^engine/'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'engine-through-its-index',
      severity: 'error',
      comment: "Outside engine/, code imports the engine only through engine/index.ts, the engine's public surface.",
      from: { pathNot: '^engine/' },
      to: { path: '^engine/', pathNot: '^engine/index\\.ts$' },
    },
    ...layerRules,
    {
      name: 'api-above-jobs-and-processors',
      severity: 'error',
      comment: 'Within what runs, the API is on top: jobs/ and the processors (the job-worker among them) never import api/.',
      from: { path: '^(jobs|processors)/', pathNot: notTests },
      to: { path: '^api/' },
    },
    {
      name: 'cli-on-top',
      severity: 'error',
      comment: 'The command line is on top: nothing below it imports it (what commands run lives in platform/ and the other folders).',
      from: { pathNot: ['^cli/', '^bin/', ...notTests] },
      to: { path: '^cli/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|\\.stack|coverage)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
