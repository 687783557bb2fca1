const { availableParallelism } = require('node:os');

// Unit specs live beside the code (src, scripts, bench and the console's framework-free parts, *.spec.ts); integration and end-to-end specs under test/.
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/scripts', '<rootDir>/console', '<rootDir>/bench'],
  testRegex: '.*\\.(spec|int-spec|e2e-spec)\\.ts$',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: { '^src/(.*)$': '<rootDir>/src/$1' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  // At least two suites at once: the end-to-end suites mostly wait on servers and timers, and
  // Jest's default (one fewer than the cores) runs a two-core machine's suites one by one, in
  // one process: 13.5 min of CI against 8 with two (each suite isolates its database, Redis
  // prefix and topics, so suites never share state).
  maxWorkers: Math.max(2, availableParallelism() - 1),
};
