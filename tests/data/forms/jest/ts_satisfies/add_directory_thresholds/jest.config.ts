import type { Config } from 'jest'

export default {
  preset: 'ts-jest',
  testEnvironment: 'node',
  moduleNameMapper: {
    '^@/(.*)$': '<rootDir>/src/$1',
  },
  coverageReporters: ['text', 'lcov'],
  coverageThreshold: {
    './src/routes/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/services/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/utils/': { branches: 80, functions: 80, lines: 80, statements: 80 },
  },
} satisfies Config
