import type { Config } from '@jest/types';

const config = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  collectCoverageFrom: [
    '!**/*.d.ts',
  ],
} as Config.InitialOptions;

export default config;
