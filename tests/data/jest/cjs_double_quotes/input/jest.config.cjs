// @ts-check
module.exports = {
    "preset": "ts-jest",
    "testEnvironment": "node",
    "verbose": true
};
