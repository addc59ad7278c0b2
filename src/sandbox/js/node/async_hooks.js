// node:async_hooks, written for switchboard: AsyncLocalStorage and
// AsyncResource on deno_core's async context, which promise reactions,
// timers and microtasks carry. The low-level hooks (createHook,
// executionAsyncId) are not provided.
"use strict";

const { AsyncVariable, getAsyncContext, setAsyncContext } = internals.asyncContext;

class AsyncLocalStorage {
  #variable = new AsyncVariable();
  #enabled = true;

  run(store, callback, ...args) {
    const previous = this.#variable.enter(store);
    try {
      return Reflect.apply(callback, undefined, args);
    } finally {
      setAsyncContext(previous);
    }
  }

  exit(callback, ...args) {
    return this.run(undefined, callback, ...args);
  }

  getStore() {
    return this.#enabled ? this.#variable.get() : undefined;
  }

  enterWith(store) {
    this.#enabled = true;
    this.#variable.enter(store);
  }

  disable() {
    this.#enabled = false;
  }

  static bind(fn) {
    return AsyncResource.bind(fn);
  }

  static snapshot() {
    const context = getAsyncContext();
    return (fn, ...args) => {
      const previous = getAsyncContext();
      setAsyncContext(context);
      try {
        return Reflect.apply(fn, undefined, args);
      } finally {
        setAsyncContext(previous);
      }
    };
  }
}

class AsyncResource {
  #context = getAsyncContext();

  constructor(type) {
    this.type = type;
  }

  runInAsyncScope(fn, thisArg, ...args) {
    const previous = getAsyncContext();
    setAsyncContext(this.#context);
    try {
      return Reflect.apply(fn, thisArg, args);
    } finally {
      setAsyncContext(previous);
    }
  }

  bind(fn, thisArg) {
    const resource = this;
    return function (...args) {
      return resource.runInAsyncScope(fn, thisArg === undefined ? this : thisArg, ...args);
    };
  }

  static bind(fn, type, thisArg) {
    return new AsyncResource(type || "bound-anonymous-fn").bind(fn, thisArg);
  }
}

function notProvided(name) {
  return () => {
    const error = new Error(`async_hooks.${name} is not available in the switchboard sandbox: only AsyncLocalStorage and AsyncResource are provided`);
    error.code = "ERR_SANDBOX_UNAVAILABLE";
    throw error;
  };
}

module.exports = {
  AsyncLocalStorage,
  AsyncResource,
  createHook: notProvided("createHook"),
  executionAsyncId: notProvided("executionAsyncId"),
  triggerAsyncId: notProvided("triggerAsyncId"),
  executionAsyncResource: notProvided("executionAsyncResource"),
};
