import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export default {
  cacheDirectory: `${here}/.cache/jest`,
  testEnvironment: 'node',
  transform: {},
  collectCoverageFrom: [
    'src/routes/**/*.{ts,tsx}',
    '!**/node_modules/**'
  ]
};
