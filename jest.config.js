/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Node 22's Symbol.dispose in each suite's realm (undici 8's fetch needs it).
  setupFiles: ['<rootDir>/test/helpers/jest-node-symbols.ts'],
  testTimeout: 30000,
  // The machine has 2 cores; the suites start servers and daemons.
  maxWorkers: 2,
};
