module.exports = { preset: 'ts-jest', collectCoverageFrom: ['src/services/**/*.ts', 'src/routes/**/*.{ts,tsx}', 'src/utils/**/*.js', 'src/*.ts', '!**/*.d.ts'] };
