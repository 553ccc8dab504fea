import type { Config } from '@jest/types';

const config = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  collectCoverageFrom: [
    '!**/*.d.ts',
  ],
  coverageThreshold: {
    './src/routes/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/services/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/utils/': { branches: 80, functions: 80, lines: 80, statements: 80 },
  },
} as Config.InitialOptions;

export default config;
