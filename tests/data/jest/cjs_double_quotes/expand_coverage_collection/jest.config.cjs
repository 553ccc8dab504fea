// @ts-check
module.exports = {
    "preset": "ts-jest",
    "testEnvironment": "node",
    "collectCoverageFrom": [
        "src/routes/**/*.{ts,tsx}",
        "src/services/**/*.ts",
        "src/utils/**/*.js",
        "src/*.ts"
    ],
    "verbose": true
};
