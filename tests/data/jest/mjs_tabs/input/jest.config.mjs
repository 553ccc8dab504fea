export default {
	preset: "ts-jest",
	testEnvironment: "jsdom",
	collectCoverageFrom: ["src/services/**/*.ts", "!**/*.d.ts"],
	coverageThreshold: {
		global: { lines: 60 },
	},
};
