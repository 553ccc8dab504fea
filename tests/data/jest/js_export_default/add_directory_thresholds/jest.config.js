import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export default {
  cacheDirectory: `${here}/.cache/jest`,
  testEnvironment: 'node',
  transform: {},
  collectCoverageFrom: [
    'src/routes/**/*.{ts,tsx}',
    '!**/node_modules/**'
  ],
  coverageThreshold: {
    './src/routes/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/services/': { branches: 80, functions: 80, lines: 80, statements: 80 },
    './src/utils/': { branches: 80, functions: 80, lines: 80, statements: 80 }
  }
};
