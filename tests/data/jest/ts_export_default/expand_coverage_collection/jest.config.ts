export default {
  preset: 'ts-jest',
  testEnvironment: 'node',
  collectCoverageFrom: [
    'src/routes/**/*.{ts,tsx}',
    'src/services/**/*.ts',
    'src/utils/**/*.js',
    'src/*.ts',
  ],
  coverageThreshold: {},
};
