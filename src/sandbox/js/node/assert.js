// node:assert, written for switchboard: the assertion functions and
// AssertionError, with `strict` as in Node.
"use strict";

const util = require("util");
const deepEqual = internals.deepEqual;

class AssertionError extends Error {
  constructor(options) {
    const { message, actual, expected, operator } = options || {};
    super(message !== undefined ? String(message) : `${util.inspect(actual)} ${operator} ${util.inspect(expected)}`);
    this.name = "AssertionError";
    this.code = "ERR_ASSERTION";
    this.actual = actual;
    this.expected = expected;
    this.operator = operator;
    this.generatedMessage = message === undefined;
  }
}

function fail(actual, expected, message, operator, defaultMessage) {
  if (message instanceof Error) throw message;
  throw new AssertionError({ message: message !== undefined ? message : defaultMessage, actual, expected, operator });
}

function ok(value, message) {
  if (arguments.length === 0) fail(undefined, true, "No value argument passed to `assert.ok()`", "==");
  if (!value) fail(value, true, message, "==", "The expression evaluated to a falsy value:\n\n  assert.ok(" + util.inspect(value) + ")\n");
}

function matchesError(error, expected, message) {
  if (expected === undefined) return;
  if (typeof expected === "function") {
    if (expected.prototype !== undefined && error instanceof expected) return;
    if (Error.isPrototypeOf(expected) || expected === Error) fail(error, expected, message, "throws", `The error is expected to be an instance of "${expected.name}". Received "${error && error.constructor && error.constructor.name}"`);
    if (expected.call({}, error) !== true) fail(error, expected, message, "throws", "The validation function is expected to return \"true\". Received false");
    return;
  }
  if (expected instanceof RegExp) {
    if (!expected.test(String(error))) fail(error, expected, message, "throws", `The input did not match the regular expression ${expected}. Input:\n\n${util.inspect(String(error))}\n`);
    return;
  }
  if (typeof expected === "object" && expected !== null) {
    for (const key of Object.keys(expected)) {
      const want = expected[key];
      const got = error === null || error === undefined ? undefined : error[key];
      const same = want instanceof RegExp && typeof got === "string" ? want.test(got) : deepEqual(got, want, true, new Map());
      if (!same) fail(error, expected, message, "throws", `Expected values to be strictly deep-equal: property '${key}'`);
    }
  }
}

function throws(fn, expected, message) {
  if (typeof expected === "string") {
    message = expected;
    expected = undefined;
  }
  try {
    fn();
  } catch (error) {
    matchesError(error, expected, message);
    return;
  }
  fail(undefined, expected, message, "throws", "Missing expected exception" + (message ? `: ${message}` : "."));
}

async function rejects(promiseOrFn, expected, message) {
  if (typeof expected === "string") {
    message = expected;
    expected = undefined;
  }
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (error) {
    matchesError(error, expected, message);
    return;
  }
  fail(undefined, expected, message, "rejects", "Missing expected rejection" + (message ? `: ${message}` : "."));
}

function doesNotThrow(fn, expected, message) {
  try {
    fn();
  } catch (error) {
    fail(error, expected, typeof expected === "string" ? expected : message, "doesNotThrow", `Got unwanted exception.\nActual message: "${error && error.message}"`);
  }
}

async function doesNotReject(promiseOrFn, expected, message) {
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (error) {
    fail(error, expected, typeof expected === "string" ? expected : message, "doesNotReject", `Got unwanted rejection.\nActual message: "${error && error.message}"`);
  }
}

const compare = {
  equal: (actual, expected, message) => {
    if (!(actual == expected || (actual !== actual && expected !== expected))) fail(actual, expected, message, "==", `${util.inspect(actual)} == ${util.inspect(expected)}`);
  },
  notEqual: (actual, expected, message) => {
    if (actual == expected || (actual !== actual && expected !== expected)) fail(actual, expected, message, "!=", `${util.inspect(actual)} != ${util.inspect(expected)}`);
  },
  strictEqual: (actual, expected, message) => {
    if (!Object.is(actual, expected)) fail(actual, expected, message, "strictEqual", `Expected values to be strictly equal:\n\n${util.inspect(actual)} !== ${util.inspect(expected)}\n`);
  },
  notStrictEqual: (actual, expected, message) => {
    if (Object.is(actual, expected)) fail(actual, expected, message, "notStrictEqual", `Expected "actual" to be strictly unequal to: ${util.inspect(expected)}`);
  },
  deepEqual: (actual, expected, message) => {
    if (!deepEqual(actual, expected, false, new Map())) fail(actual, expected, message, "deepEqual", "Expected values to be loosely deep-equal");
  },
  notDeepEqual: (actual, expected, message) => {
    if (deepEqual(actual, expected, false, new Map())) fail(actual, expected, message, "notDeepEqual", "Expected \"actual\" not to be loosely deep-equal to \"expected\"");
  },
  deepStrictEqual: (actual, expected, message) => {
    if (!deepEqual(actual, expected, true, new Map())) fail(actual, expected, message, "deepStrictEqual", "Expected values to be strictly deep-equal");
  },
  notDeepStrictEqual: (actual, expected, message) => {
    if (deepEqual(actual, expected, true, new Map())) fail(actual, expected, message, "notDeepStrictEqual", "Expected \"actual\" not to be strictly deep-equal to \"expected\"");
  },
};

function match(text, pattern, message) {
  if (typeof text !== "string" || !pattern.test(text)) fail(text, pattern, message, "match", `The input did not match the regular expression ${pattern}. Input:\n\n${util.inspect(text)}\n`);
}

function doesNotMatch(text, pattern, message) {
  if (typeof text === "string" && pattern.test(text)) fail(text, pattern, message, "doesNotMatch", `The input was expected to not match the regular expression ${pattern}. Input:\n\n${util.inspect(text)}\n`);
}

function ifError(value) {
  if (value !== null && value !== undefined) {
    if (value instanceof Error) throw value;
    fail(value, null, undefined, "ifError", `ifError got unwanted exception: ${util.inspect(value)}`);
  }
}

function build(strict) {
  const assert = (value, message) => ok(value, message);
  Object.assign(assert, compare, {
    ok, fail: (message) => fail(undefined, undefined, message === undefined ? "Failed" : message, "fail"),
    throws, rejects, doesNotThrow, doesNotReject, match, doesNotMatch, ifError, AssertionError,
  });
  if (strict) {
    assert.equal = compare.strictEqual;
    assert.notEqual = compare.notStrictEqual;
    assert.deepEqual = compare.deepStrictEqual;
    assert.notDeepEqual = compare.notDeepStrictEqual;
  }
  return assert;
}

const assert = build(false);
assert.strict = build(true);
assert.strict.strict = assert.strict;

module.exports = assert;
module.exports.ok = ok;
module.exports.equal = compare.equal;
module.exports.notEqual = compare.notEqual;
module.exports.strictEqual = compare.strictEqual;
module.exports.notStrictEqual = compare.notStrictEqual;
module.exports.deepEqual = compare.deepEqual;
module.exports.notDeepEqual = compare.notDeepEqual;
module.exports.deepStrictEqual = compare.deepStrictEqual;
module.exports.notDeepStrictEqual = compare.notDeepStrictEqual;
module.exports.throws = throws;
module.exports.rejects = rejects;
module.exports.doesNotThrow = doesNotThrow;
module.exports.doesNotReject = doesNotReject;
module.exports.match = match;
module.exports.doesNotMatch = doesNotMatch;
module.exports.ifError = ifError;
module.exports.AssertionError = AssertionError;
module.exports.strict = assert.strict;
