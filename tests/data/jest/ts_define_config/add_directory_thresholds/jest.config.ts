import { defineConfig } from 'jest';

export default defineConfig({
  preset: 'ts-jest',
  testEnvironment: 'node',
  coverageThreshold: {
    global: { branches: 50, functions: 50, lines: 50, statements: 50 },
    './src/routes/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/services/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/utils/': { branches: 80, functions: 80, lines: 80, statements: 80 },
  },
});
