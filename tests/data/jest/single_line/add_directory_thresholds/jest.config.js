module.exports = {
  preset: 'ts-jest',
  collectCoverageFrom: ['src/services/**/*.ts', '!**/*.d.ts'],
  coverageThreshold: {
    './src/routes/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/services/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/utils/': { branches: 80, functions: 80, lines: 80, statements: 80 }
  }
};
