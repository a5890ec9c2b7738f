/**
 * Jest 30 in native ESM mode (Nest 12 is ESM-only). Run through `npm test`, which sets --experimental-vm-modules.
 * Unit specs live beside the code (`*.spec.ts`); integration and end-to-end tests live in `test/` (`*.e2e-spec.ts`).
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      // decoratorMetadata is required: without it Nest silently injects `undefined`.
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

// Jest can require() an ESM-only package from Node 24.9 on; below that, content-disposition (ESM-only, required by
// @fastify/static) maps to a CommonJS stand-in. See docs/decisions.md and test/support/content-disposition.cjs.
const [nodeMajor = 0, nodeMinor = 0] = process.versions.node.split('.').map(Number);
const jestRequiresEsm = nodeMajor > 24 || (nodeMajor === 24 && nodeMinor >= 9);

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    ...(jestRequiresEsm ? {} : { '^content-disposition$': '<rootDir>/test/support/content-disposition.cjs' }),
  },
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
};

export default {
  maxWorkers: 2,
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 60_000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    // Services against a real database (and the sandbox servers), without going through HTTP.
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '<rootDir>/test/console/',
        '<rootDir>/test/fleet/',
        '-crash[.-]',
        '<rootDir>/test/foundation/fuzz.e2e-spec.ts',
      ],
    },
    // Generated hostile input against every route of the OpenAPI document: our own validation and error mapping, the
    // same whatever the Node or the MCP protocol era underneath; the longest file (two and a half minutes), which CI
    // runs once, on production's Node.
    { ...common, displayName: 'fuzz', testMatch: ['<rootDir>/test/foundation/fuzz.e2e-spec.ts'] },
    // Processes killed with SIGKILL and restarted, and several instances sharing one database (end-to-end too; the
    // slowest files, which CI runs once, on production's Node).
    {
      ...common,
      displayName: 'crash',
      testMatch: ['<rootDir>/test/fleet/**/*.e2e-spec.ts', '<rootDir>/test/**/*-crash{.,-*.}e2e-spec.ts'],
    },
    // The console in headless Chromium against the real app (end-to-end too, but they need a browser).
    { ...common, displayName: 'browser', testMatch: ['<rootDir>/test/console/**/*.e2e-spec.ts'] },
  ],
};
