import { defineConfig } from 'jest';

export default defineConfig({
  preset: 'ts-jest',
  testEnvironment: 'node',
  collectCoverageFrom: [
    'src/routes/**/*.{ts,tsx}',
    'src/services/**/*.ts',
    'src/utils/**/*.js',
    'src/*.ts',
  ],
  coverageThreshold: {
    global: { branches: 50, functions: 50, lines: 50, statements: 50 },
  },
});
