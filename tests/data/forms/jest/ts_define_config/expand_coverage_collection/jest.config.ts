import { defineConfig } from 'jest';

export default defineConfig({
  displayName: 'api',
  testEnvironment: 'node',
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { isolatedModules: true }],
  },
  collectCoverageFrom: [
    '<rootDir>/src/services/**/*.ts',
    '<rootDir>/src/routes/**/*.{ts,tsx}',
    '<rootDir>/src/utils/**/*.js',
    '<rootDir>/src/*.ts',
  ],
});
