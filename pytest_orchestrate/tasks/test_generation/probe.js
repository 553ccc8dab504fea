/*
 * Probe runtime for characterization tests. A generated probe test file requires this module
 * inside the target's own Jest, so the unit is compiled and instrumented exactly as its real
 * tests are. It builds the inputs a call plan describes, runs each call on fresh collaborators,
 * records what happened (value, error, calls made on mocks) and which coverage counters the call
 * moved, and writes everything to one JSON file.
 *
 * It does not choose inputs (the Python side does, from types and literals) and it does not
 * decide what to keep: it only observes.
 */
'use strict';

const fs = require('fs');

const MOCKS = new WeakMap(); // proxy -> label, so the serialiser can name mocks
const state = { calls: [], returns: {}, touched: {}, scenario: {}, auto: 0, autoPicks: {}, stop: null };
// A call whose mocks answer this often is a loop that may never end (`for (i = 0; i < n; i += 0)`
// around `await mock()`): it only queues microtasks, so no timer could ever stop it. Past the
// limit every mock answers a promise that never settles, which parks the loop, and the call ends
// at once as a runaway and is dropped: it counts calls, not time, so a busy machine drops the same
// calls as an idle one (and waiting out the time limit would only cost time).
const RUNAWAY_CALLS = 5000;

// Generic results for a mocked path the plan knows nothing about; the pick is recorded so the
// rendered test configures the same thing.
const AUTO = [
  { t: 'undef' },
  { t: 'lit', v: null },
  { t: 'resolve', v: { t: 'undef' } },
  { t: 'resolve', v: { t: 'lit', v: null } },
  { t: 'resolve', v: { t: 'arr', items: [] } },
  { t: 'resolve', v: { t: 'obj', fields: {} } },
  { t: 'reject', v: { t: 'err', msg: 'mock failure' } },
  { t: 'lit', v: true },
  { t: 'self' }, // fluent APIs: `res.status(404).json(...)`
];

function pick(seed, size) {
  // A small deterministic hash, so the same plan picks the same generic results.
  let h = seed >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return ((h ^ (h >>> 16)) >>> 0) % size;
}

function hashText(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

function materialize(node, args) {
  switch (node.t) {
    case 'undef':
      return undefined;
    case 'lit':
      return node.v;
    case 'num':
      return node.v === 'NaN' ? NaN : node.v === 'Infinity' ? Infinity : -Infinity;
    case 'arr':
      return node.items.map((item) => materialize(item, args));
    case 'obj': {
      const out = {};
      for (const [key, value] of Object.entries(node.fields)) out[key] = materialize(value, args);
      return out;
    }
    case 'date':
      return new Date(node.iso);
    case 'err': {
      const error = new Error(node.msg);
      return error;
    }
    case 'mock':
      return deepMock(node.label);
    case 'new': {
      // The same module registry as the unit's own import, so `instanceof` holds.
      const cls = require(node.file)[node.name];
      return new cls(...node.args.map((arg) => materialize(arg, args)));
    }
    case 'resolve':
      return Promise.resolve(materialize(node.v, args));
    case 'reject':
      return Promise.reject(materialize(node.v, args));
    case 'echo':
      return node.async ? Promise.resolve(args[node.i]) : args[node.i];
    default:
      throw new Error(`probe: unknown value node ${JSON.stringify(node)}`);
  }
}

function result(path, args, self) {
  if (state.calls.length > RUNAWAY_CALLS) {
    if (state.stop) state.stop();
    return new Promise(() => undefined);
  }
  let node = state.scenario[path];
  if (node === undefined) {
    const index = pick(state.auto ^ hashText(path), AUTO.length);
    node = AUTO[index];
    state.autoPicks[path] = node;
  }
  state.returns[path] = node;
  if (node.t === 'throw') throw materialize(node.v, args);
  if (node.t === 'self') return self;
  const value = materialize(node, args);
  if (value instanceof Promise) value.catch(() => undefined); // an unawaited rejection is not a crash
  return value;
}

const SKIP = new Set(['then', 'catch', 'finally', 'toJSON', 'asymmetricMatch', '$$typeof', 'nodeType',
  'constructor', 'prototype', 'length', 'name', 'inspect', '_isMockFunction', 'mock', 'getMockName']);

/** A mock for a collaborator: any property is another mock, any call is recorded and answered
 *  from the scenario for its path (``label.method``). */
function deepMock(label) {
  const children = new Map();
  const target = function mock() {};
  const proxy = new Proxy(target, {
    get(_t, prop) {
      if (typeof prop === 'symbol') return undefined;
      if (SKIP.has(prop)) return undefined;
      if (prop === 'toString') return () => `[mock ${label}]`;
      state.touched[`${label}.${prop}`] = true; // read, maybe written to: the test's mock needs it
      if (!children.has(prop)) children.set(prop, deepMock(`${label}.${prop}`));
      return children.get(prop);
    },
    apply(_t, thisArg, args) {
      state.calls.push({ path: label, args });
      return result(label, args, thisArg);
    },
    construct(_t, args) {
      state.calls.push({ path: label, args, construct: true });
      return result(label, args);
    },
  });
  MOCKS.set(proxy, label);
  return proxy;
}

/** Module factory for ``jest.mock(path, () => ...)``: every named binding is a deep mock. */
function mockModule(names) {
  const out = { __esModule: true };
  for (const name of names) out[name] = deepMock(`mod$${name}`);
  return out;
}

function serialize(value, seen = new Set(), depth = 0) {
  if (value === undefined) return { $t: 'undefined' };
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  // JSON has no -0, and toEqual tells it from 0 (Object.is), so it travels tagged like NaN.
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return { $t: 'number', v: '-0' };
    return Number.isFinite(value) ? value : { $t: 'number', v: String(value) };
  }
  if (typeof value === 'bigint') return { $t: 'bigint', v: value.toString() };
  if (typeof value === 'symbol') return { $t: 'symbol', v: value.description || '' };
  if (MOCKS.has(value)) return { $t: 'mock', label: MOCKS.get(value) };
  if (typeof value === 'function') return { $t: 'function', name: value.name || '' };
  if (seen.has(value)) return { $t: 'cycle' };
  if (depth > 6) return { $t: 'deep' };
  if (value instanceof Date) return { $t: 'date', v: Number.isNaN(value.getTime()) ? 'Invalid' : value.toISOString() };
  if (value instanceof Error) {
    const out = { $t: 'error', cls: value.constructor.name, message: value.message };
    // Fields a subclass sets (`statusCode`, `code`) are what callers read: pin them too.
    const own = Object.keys(value);
    if (own.length) {
      seen.add(value);
      try {
        out.fields = {};
        for (const key of own) out.fields[key] = serialize(value[key], seen, depth + 1);
      } finally {
        seen.delete(value);
      }
    }
    return out;
  }
  if (value instanceof Promise) return { $t: 'promise' };
  if (typeof Buffer !== 'undefined' && Buffer.isBuffer(value)) return { $t: 'buffer', v: value.toString('hex') };
  seen.add(value);
  try {
    if (value instanceof Map) {
      return { $t: 'map', entries: [...value.entries()].slice(0, 50).map(([k, v]) => [serialize(k, seen, depth + 1), serialize(v, seen, depth + 1)]) };
    }
    if (value instanceof Set) return { $t: 'set', items: [...value].slice(0, 50).map((v) => serialize(v, seen, depth + 1)) };
    if (Array.isArray(value)) {
      if (value.length > 50) return { $t: 'long', length: value.length };
      return value.map((v) => serialize(v, seen, depth + 1));
    }
    const proto = Object.getPrototypeOf(value);
    const fields = {};
    for (const key of Object.keys(value)) fields[key] = serialize(value[key], seen, depth + 1);
    if (proto !== Object.prototype && proto !== null) {
      return { $t: 'instance', cls: (proto.constructor && proto.constructor.name) || '', fields };
    }
    return '$t' in fields ? { $t: 'object', v: fields } : fields;
  } finally {
    seen.delete(value);
  }
}

function snapshot(file) {
  const cov = globalThis.__coverage__ && globalThis.__coverage__[file];
  if (!cov) return null;
  return { s: { ...cov.s }, b: Object.fromEntries(Object.entries(cov.b).map(([k, v]) => [k, v.slice()])) };
}

function moved(before, file) {
  const after = snapshot(file);
  if (!before || !after) return { s: [], b: [] };
  const s = Object.keys(after.s).filter((k) => after.s[k] > before.s[k]).map(Number);
  const b = [];
  for (const [k, arms] of Object.entries(after.b)) {
    arms.forEach((count, i) => { if (count > before.b[k][i]) b.push(`${k}.${i}`); });
  }
  return { s, b };
}

// A call that has not answered after `ms` of the time this process could run is dropped. The
// clock ticks every TICK_MS and a late tick counts as at most two ticks: on a busy machine the
// process waits for a core and its ticks come late, so a slow answer there is not taken for one
// that never comes, and the same source keeps giving the same observations (and the same file).
const TICK_MS = 20;

function withTimeout(promise, ms) {
  let timer;
  const timeout = new Promise((_, reject) => {
    state.stop = () => reject(Object.assign(new Error('probe: runaway loop'), { probeRunaway: true }));
    let spent = 0;
    let last = performance.now(); // never faked: the second pass fakes Date
    const tick = () => {
      const now = performance.now();
      spent += Math.min(now - last, 2 * TICK_MS);
      last = now;
      if (spent >= ms) {
        reject(Object.assign(new Error(`probe: no answer within ${ms} ms`), { probeTimeout: true }));
      } else {
        timer = setTimeout(tick, TICK_MS);
      }
    };
    timer = setTimeout(tick, TICK_MS);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
    state.stop = null;
  });
}

function lookup(mod, path) {
  let value = mod;
  for (const part of path) value = value == null ? undefined : value[part];
  return value;
}

async function invoke(mod, call, deps) {
  const args = call.args.map((node) => materialize(node, []));
  const target = call.target;
  if (target.kind === 'route') return deps.route(mod, target, call);
  if (target.kind === 'method') {
    const cls = lookup(mod, target.path);
    if (target.static) return cls[target.method](...args);
    const instance = new cls(...target.ctor.map((node) => materialize(node, [])));
    return instance[target.method](...args);
  }
  if (target.kind === 'construct') {
    const cls = lookup(mod, target.path);
    return new cls(...args);
  }
  const parent = lookup(mod, target.path.slice(0, -1));
  return parent[target.path[target.path.length - 1]](...args);
}

function routeDriver(root) {
  const { createRequire } = require('module');
  const req = createRequire(`${root}/package.json`);
  const express = req('express');
  const request = req('supertest');
  return async (mod, target, call) => {
    const router = lookup(mod, target.path);
    const app = express();
    app.use(express.json());
    app.use(router);
    let test = request(app)[target.method](call.url);
    for (const [name, value] of Object.entries(call.headers || {})) test = test.set(name, value);
    if (call.body !== undefined) test = test.send(materialize(call.body, []));
    const res = await test;
    const json = (res.headers['content-type'] || '').includes('json');
    return json ? { status: res.status, body: res.body } : { status: res.status, text: res.text };
  };
}

// What a plan has spent of its budget, in ms: the CPU time this process used, plus the full time
// limit for each call that never answered. Unlike the wall clock, neither runs on while the
// process waits for a core, so the budget cuts a plan at the same call on a busy machine as on an
// idle one (or nearly: CPU time still counts work that varies a little, such as GC).
function spentMs(since, timeouts, limit) {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000 + timeouts * limit;
}

/** Runs every call of the plan once, on fresh mocks, and returns one observation per call. Calls
 *  in `dropped` (timed out or ran away in the first pass) are not run again: they are dropped. */
async function runPlan(mod, file, plan, calls, dropped = new Map()) {
  const deps = { route: plan.routes ? routeDriver(plan.root) : null };
  const out = [];
  const started = process.cpuUsage();
  let timeouts = 0;
  for (const call of calls) {
    if (plan.budgetMs && spentMs(started, timeouts, plan.timeoutMs) > plan.budgetMs) break;
    const obs = dropped.get(call.id) || (await observe(mod, file, plan, call, deps));
    if (obs.timeout) timeouts += 1;
    out.push(obs);
  }
  return out;
}

async function observe(mod, file, plan, call, deps) {
  state.calls = [];
  state.returns = {};
  state.touched = {};
  state.autoPicks = {};
  state.scenario = call.scenario || {};
  state.auto = call.seed || 0;
  const before = snapshot(file);
  const obs = { id: call.id };
  try {
    const value = await withTimeout(Promise.resolve().then(() => invoke(mod, call, deps)), plan.timeoutMs);
    obs.value = serialize(value);
  } catch (error) {
    if (error && error.probeTimeout) obs.timeout = true;
    else if (error && error.probeRunaway) obs.runaway = RUNAWAY_CALLS;
    else obs.error = error instanceof Error
      ? { cls: error.constructor.name, message: String(error.message) }
      : { cls: '', message: JSON.stringify(serialize(error)) };
  }
  // Let stray timers and next-tick work from the call settle before reading the counters.
  await new Promise((resolve) => setImmediate(resolve));
  obs.calls = state.calls.map((c) => ({ path: c.path, args: c.args.map((a) => serialize(a)) }));
  obs.returns = { ...state.returns };
  obs.touched = Object.keys(state.touched).sort();
  obs.cover = moved(before, file);
  return obs;
}

/** The whole probe: two passes, the second under a shifted clock, so time-dependent results differ. */
async function probe(mod, file, plan) {
  const atLoad = snapshot(file);
  const load = atLoad ? Object.values(atLoad.s).filter((n) => n > 0).length : 0;
  const first = await runPlan(mod, file, plan, plan.calls);
  jest.useFakeTimers({
    now: new Date('2031-05-17T08:09:10.000Z'),
    doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate',
      'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
  });
  let second;
  try {
    // Same calls as the first pass, with no budget: the passes must line up one to one.
    const dropped = new Map(first.filter((obs) => obs.timeout || obs.runaway).map((obs) => [obs.id, obs]));
    second = await runPlan(mod, file, { ...plan, budgetMs: 0 }, plan.calls.slice(0, first.length), dropped);
  } finally {
    jest.useRealTimers();
  }
  fs.writeFileSync(plan.output, JSON.stringify({ file, load, first, second }));
}

module.exports = { probe, mockModule, deepMock, serialize, materialize, state };
