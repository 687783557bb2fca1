const { availableParallelism } = require('node:os');

// Unit specs live beside the code (src, scripts, bench and the console's framework-free parts, *.spec.ts); integration and end-to-end specs under test/.
const common = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/scripts', '<rootDir>/console', '<rootDir>/bench'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: { '^src/(.*)$': '<rootDir>/src/$1' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
};

// The console's end-to-end suites drive Chromium: each wants a core of its own, so `npm test`
// runs them after the others, one at a time (`--selectProjects browser --runInBand`).
const BROWSER_SUITES = '/test/e2e/console-[^/]*\\.e2e-spec\\.ts$';

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'main',
      testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
      testPathIgnorePatterns: ['/node_modules/', BROWSER_SUITES],
    },
    { ...common, displayName: 'browser', testRegex: BROWSER_SUITES },
  ],
  // A global setting: Jest's runner reads it from here, not from the projects.
  testTimeout: 60000,
  // At least two suites at once: the end-to-end suites mostly wait on servers and timers, and
  // Jest's default (one fewer than the cores) runs a two-core machine's suites one by one, in
  // one process. Each suite isolates its database, Redis prefix and topics, so suites never
  // share state.
  maxWorkers: Math.max(2, availableParallelism() - 1),
};
