// Unit and integration tests run as two projects over the same sources.
module.exports = {
  projects: [
    {
      displayName: 'unit',
      preset: 'ts-jest',
      testMatch: ['<rootDir>/src/**/*.test.ts'],
    },
    {
      displayName: 'integration',
      preset: 'ts-jest',
      testMatch: ['<rootDir>/tests/**/*.int.ts'],
    },
  ],
  coverageDirectory: 'coverage',
};
