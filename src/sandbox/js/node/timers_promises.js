// node:timers/promises, written for switchboard.
"use strict";

function aborted(signal) {
  return signal.reason !== undefined ? signal.reason : new DOMException("The operation was aborted", "AbortError");
}

function delay(ms, value, options, schedule, cancel) {
  const signal = options && options.signal;
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(aborted(signal));
      return;
    }
    const onAbort = () => {
      cancel(id);
      reject(aborted(signal));
    };
    const id = schedule(() => {
      if (signal) signal.removeEventListener("abort", onAbort);
      resolve(value);
    }, ms);
    if (signal) signal.addEventListener("abort", onAbort, { once: true });
  });
}

module.exports = {
  setTimeout: (ms, value, options) => delay(ms, value, options, globalThis.setTimeout, globalThis.clearTimeout),
  setImmediate: (value, options) => delay(0, value, options, (fn) => internals.setImmediate(fn), internals.clearImmediate),
  setInterval: async function* (ms, value, options) {
    while (true) {
      yield await delay(ms, value, options, globalThis.setTimeout, globalThis.clearTimeout);
    }
  },
  scheduler: {
    wait: (ms, options) => delay(ms, undefined, options, globalThis.setTimeout, globalThis.clearTimeout),
    yield: () => delay(0, undefined, undefined, (fn) => internals.setImmediate(fn), internals.clearImmediate),
  },
};
