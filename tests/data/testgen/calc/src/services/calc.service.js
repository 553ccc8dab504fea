const { round } = require('./rounding');

class CalcService {
  constructor(store, precision = 2) {
    this.store = store;
    this.precision = precision;
  }

  add(a, b) {
    return round(a + b, this.precision);
  }

  async recall(key) {
    const value = await this.store.get(key);
    if (value === undefined) throw new RangeError(`nothing stored under ${key}`);
    return value;
  }

  static of(store) {
    return new CalcService(store);
  }
}

function percent(part, whole) {
  return (100 * part) / whole;
}

module.exports = { CalcService, percent };
