// node:util, written for switchboard: format and inspect (on the console's
// inspector), promisify, inherits, deprecate, deep equality and `types`.
"use strict";

const customPromisify = Symbol.for("nodejs.util.promisify.custom");
const customInspect = Symbol.for("nodejs.util.inspect.custom");

function inspect(value, options) {
  const settings = typeof options === "object" && options !== null ? { ...options } : {};
  if (typeof options === "boolean") settings.showHidden = options;
  if (settings.colors === undefined) settings.colors = false;
  // Node's defaults, where the console's inspector has others.
  if (settings.depth === undefined) settings.depth = 2;
  if (settings.quotes === undefined) settings.quotes = ["'", '"', "`"];
  return internals.inspect(value, settings);
}
inspect.custom = customInspect;
inspect.defaultOptions = { depth: 2, colors: false, showHidden: false };

function format(...args) {
  return formatWithOptions({}, ...args);
}

// Numbers as Node's format prints them: -0 keeps its sign.
const numberText = (number) => (Object.is(number, -0) ? "-0" : String(number));

function formatWithOptions(options, first, ...rest) {
  if (typeof first !== "string") return [first, ...rest].map((value) => (typeof value === "string" ? value : inspect(value, options))).join(" ");
  let index = 0;
  let text = first.replace(/%([sdifjoOc%])/g, (match, kind) => {
    if (kind === "%") return "%";
    if (index >= rest.length) return match;
    const value = rest[index++];
    switch (kind) {
      case "s":
        if (typeof value === "bigint") return `${value}n`;
        if (typeof value === "object" && value !== null) return inspect(value, { ...options, depth: 0 });
        return String(value);
      case "d":
        if (typeof value === "bigint") return `${value}n`;
        return numberText(Number(value));
      case "i":
        if (typeof value === "bigint") return `${value}n`;
        return numberText(parseInt(value, 10));
      case "f":
        return String(parseFloat(value));
      case "j":
        try {
          return JSON.stringify(value);
        } catch {
          return "[Circular]";
        }
      case "o":
        return inspect(value, { ...options, showHidden: true, depth: 4 });
      case "O":
        return inspect(value, options);
      case "c":
        return "";
    }
    return match;
  });
  for (; index < rest.length; index++) {
    const value = rest[index];
    text += " " + (typeof value === "string" ? value : inspect(value, options));
  }
  return text;
}

function promisify(original) {
  if (typeof original !== "function") {
    const error = new TypeError(`The "original" argument must be of type function. Received ${typeof original}`);
    error.code = "ERR_INVALID_ARG_TYPE";
    throw error;
  }
  if (original[customPromisify]) {
    const fn = original[customPromisify];
    return Object.defineProperty(fn, customPromisify, { value: fn, enumerable: false, writable: false, configurable: true });
  }
  function promisified(...args) {
    return new Promise((resolve, reject) => {
      Reflect.apply(original, this, [...args, (error, ...values) => {
        if (error) reject(error);
        else resolve(values.length > 1 ? values : values[0]);
      }]);
    });
  }
  Object.setPrototypeOf(promisified, Object.getPrototypeOf(original));
  Object.defineProperty(promisified, customPromisify, { value: promisified, enumerable: false, writable: false, configurable: true });
  return Object.defineProperties(promisified, Object.getOwnPropertyDescriptors(original));
}
promisify.custom = customPromisify;

function callbackify(original) {
  return function (...args) {
    const callback = args.pop();
    Reflect.apply(original, this, args).then(
      (value) => queueMicrotask(() => callback(null, value)),
      (reason) => queueMicrotask(() => callback(reason || Object.assign(new Error("Promise was rejected with a falsy value"), { reason }))),
    );
  };
}

function inherits(constructor, superConstructor) {
  if (typeof superConstructor !== "function" || superConstructor.prototype === undefined) {
    const error = new TypeError('The "superCtor" argument must be of type function');
    error.code = "ERR_INVALID_ARG_TYPE";
    throw error;
  }
  Object.defineProperty(constructor, "super_", { value: superConstructor, writable: true, configurable: true });
  Object.setPrototypeOf(constructor.prototype, superConstructor.prototype);
}

const warned = new Set();
function deprecate(fn, message, code) {
  return function (...args) {
    const key = code || message;
    if (!warned.has(key)) {
      warned.add(key);
      console.warn(`${code ? `[${code}] ` : ""}DeprecationWarning: ${message}`);
    }
    return new.target ? Reflect.construct(fn, args, new.target) : Reflect.apply(fn, this, args);
  };
}

function debuglog() {
  const log = () => {};
  log.enabled = false;
  return log;
}

const types = require("util/types");
const tag = (value) => Object.prototype.toString.call(value);

// Node's isDeepStrictEqual: same prototype, same own enumerable keys
// (symbols too), SameValue for primitives, cycles tolerated.
function isDeepStrictEqual(a, b) {
  return deepEqual(a, b, true, new Map());
}

function deepEqual(a, b, strict, seen) {
  if (strict ? Object.is(a, b) : a == b || (a !== a && b !== b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  if (strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const aTag = tag(a);
  if (aTag !== tag(b)) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Date) {
    if (a.getTime() !== b.getTime()) return false;
  } else if (a instanceof RegExp) {
    if (a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex) return false;
  } else if (a instanceof Error) {
    if (a.message !== b.message || a.name !== b.name) return false;
  } else if (types.isBoxedPrimitive(a)) {
    if (!Object.is(a.valueOf(), b.valueOf())) return false;
  } else if (ArrayBuffer.isView(a)) {
    if (a.byteLength !== b.byteLength) return false;
    const left = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const right = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
  }
  const pair = seen.get(a);
  if (pair !== undefined && pair === b) return true;
  seen.set(a, b);
  const keysA = ownKeys(a, strict);
  const keysB = ownKeys(b, strict);
  if (keysA.length !== keysB.length) return false;
  for (const key of keysA) {
    if (!Object.prototype.propertyIsEnumerable.call(b, key)) return false;
    if (!deepEqual(a[key], b[key], strict, seen)) return false;
  }
  if (a instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [key, value] of a) {
      if (!b.has(key) || !deepEqual(value, b.get(key), strict, seen)) return false;
    }
  } else if (a instanceof Set) {
    if (a.size !== b.size) return false;
    outer: for (const value of a) {
      if (b.has(value)) continue;
      if (typeof value === "object" && value !== null) {
        for (const other of b) if (deepEqual(value, other, strict, seen)) continue outer;
      }
      return false;
    }
  }
  return true;
}

function ownKeys(value, strict) {
  const keys = Object.keys(value);
  if (strict) {
    for (const symbol of Object.getOwnPropertySymbols(value)) {
      if (Object.prototype.propertyIsEnumerable.call(value, symbol)) keys.push(symbol);
    }
  }
  return keys;
}

function stripVTControlCharacters(text) {
  return String(text).replace(/[\u001B\u009B][[\]()#;?]*(?:(?:(?:[a-zA-Z\d]*(?:;[-a-zA-Z\d/#&.:=?%@~_]*)*)?\u0007)|(?:(?:\d{1,4}(?:;\d{0,4})*)?[\dA-PR-TZcf-ntqry=><~]))/g, "");
}

function toUSVString(text) {
  return String(text).toWellFormed();
}

// assert's deep equality is this one.
internals.deepEqual = deepEqual;

module.exports = {
  format,
  formatWithOptions,
  inspect,
  promisify,
  callbackify,
  inherits,
  deprecate,
  debuglog,
  debug: debuglog,
  isDeepStrictEqual,
  types,
  stripVTControlCharacters,
  toUSVString,
  TextEncoder,
  TextDecoder,
  isArray: Array.isArray,
  isBoolean: (value) => typeof value === "boolean",
  isNull: (value) => value === null,
  isNullOrUndefined: (value) => value === null || value === undefined,
  isNumber: (value) => typeof value === "number",
  isString: (value) => typeof value === "string",
  isSymbol: (value) => typeof value === "symbol",
  isUndefined: (value) => value === undefined,
  isRegExp: types.isRegExp,
  isObject: (value) => value !== null && typeof value === "object",
  isDate: types.isDate,
  isError: types.isNativeError,
  isFunction: (value) => typeof value === "function",
  isPrimitive: (value) => value === null || (typeof value !== "object" && typeof value !== "function"),
};
