export default {
	preset: "ts-jest",
	testEnvironment: "jsdom",
	collectCoverageFrom: [
		"src/services/**/*.ts",
		"src/routes/**/*.{ts,tsx}",
		"src/utils/**/*.js",
		"src/*.ts",
		"!**/*.d.ts",
	],
	coverageThreshold: {
		global: { lines: 60 },
	},
};
