const { round } = require('../../src/services/rounding');

test('round keeps two digits', () => {
  expect(round(1.005, 2)).toBe(1);
});
