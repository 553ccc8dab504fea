module.exports = { preset: 'ts-jest', collectCoverageFrom: ['src/services/**/*.ts', '!**/*.d.ts'] };
