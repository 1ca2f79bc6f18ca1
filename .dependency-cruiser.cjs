// Which module may import which (`npm run lint` runs it after ESLint): docs/architecture.md
// "Folders". Static, dynamic and type-only imports all count.
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
      name: 'cli-on-top',
      severity: 'error',
      comment: 'The command line is on top: nothing below it imports it (what commands run lives in platform/ and the other folders).',
      from: { pathNot: ['^cli/', '^bin/', '\\.test\\.ts$', '^test/'] },
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
