// node:timers, written for switchboard: the web timers, plus setImmediate.
"use strict";

module.exports = {
  setTimeout: (...args) => globalThis.setTimeout(...args),
  clearTimeout: (id) => globalThis.clearTimeout(id),
  setInterval: (...args) => globalThis.setInterval(...args),
  clearInterval: (id) => globalThis.clearInterval(id),
  setImmediate: internals.setImmediate,
  clearImmediate: internals.clearImmediate,
  promises: require("timers/promises"),
};
