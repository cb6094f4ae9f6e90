// ESM jest: @nestjs 12 ships ES modules only, so tests run under --experimental-vm-modules (see package.json).
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { warnOnly: false } }],
    // CommonJS packages that require() the ESM-only NestJS: see test/support/cjs-on-esm-nest.transform.mjs.
    '/node_modules/@nestjs/throttler/.+\\.js$': '<rootDir>/test/support/cjs-on-esm-nest.transform.mjs',
  },
  transformIgnorePatterns: ['/node_modules/(?!@nestjs/throttler/)'],
  setupFilesAfterEnv: ['<rootDir>/test/support/esm-for-cjs.setup.ts'],
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  // `npm run test:fast` (the extra CI legs) leaves out the suites that run once: faults, browser, deployment shape.
  testPathIgnorePatterns: ['/node_modules/', ...(process.env.STOWAGE_FAST_SUITE ? ['/test/(reliability|browser|deployment)/'] : [])],
  maxWorkers: 2,
  testTimeout: 60_000,
};
