import type { Config } from '@jest/types';

const config = {
  testEnvironment: 'node',
  transform: { '^.+\\.tsx?$': 'ts-jest' },
  collectCoverageFrom: [
    'src/routes/**/*.{ts,tsx}',
    'src/services/**/*.ts',
    'src/utils/**/*.js',
    'src/*.ts',
    '!**/*.d.ts',
  ],
} as Config.InitialOptions;

export default config;
