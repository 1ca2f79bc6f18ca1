import { defineConfig } from 'vitest/config';

// Unit tests run beside their modules; integration tests (test/) need the local stack and run
// one file at a time because they share the broker, Connect and PostgreSQL.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{engine,stack,tracing,platform,chaos,processors,topology,connectors,db,cli,config,bench,api,jobs,schemas,clients,dependencies,state,demo,monitoring,ops,deploy,wire}/**/*.test.ts'],
          // generous: the fuzz tests take seconds alone but share two cores with the stack in CI
          testTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
