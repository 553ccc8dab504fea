import { defineConfig } from 'jest';

export default defineConfig({
  displayName: 'api',
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { isolatedModules: true }],
  },
  collectCoverageFrom: [
    '<rootDir>/src/services/**/*.ts',
  ],
  coverageThreshold: {
    './src/routes/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/services/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/utils/': { branches: 80, functions: 80, lines: 80, statements: 80 },
  },
});
