import type { Config } from 'jest'

export default {
  preset: 'ts-jest',
  testEnvironment: 'node',
  collectCoverageFrom: [
    'src/routes/**/*.{ts,tsx}',
    'src/services/**/*.ts',
    'src/utils/**/*.js',
    'src/*.ts',
  ],
  moduleNameMapper: {
    '^@/(.*)$': '<rootDir>/src/$1',
  },
  coverageReporters: ['text', 'lcov'],
} satisfies Config
