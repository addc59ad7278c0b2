// node:events, written for switchboard: EventEmitter and its helpers.
"use strict";

const kCapture = Symbol("kCapture");
const errorMonitor = Symbol("events.errorMonitor");
let defaultMaxListeners = 10;

function checkListener(listener) {
  if (typeof listener !== "function") {
    const error = new TypeError(`The "listener" argument must be of type function. Received ${listener === null ? "null" : typeof listener}`);
    error.code = "ERR_INVALID_ARG_TYPE";
    throw error;
  }
}

function EventEmitter(options) {
  EventEmitter.init.call(this, options);
}

EventEmitter.init = function (options) {
  if (this._events === undefined || this._events === Object.getPrototypeOf(this)._events) {
    this._events = Object.create(null);
    this._eventsCount = 0;
  }
  this._maxListeners = this._maxListeners || undefined;
  this[kCapture] = Boolean(options && options.captureRejections);
};

EventEmitter.prototype._events = undefined;
EventEmitter.prototype._eventsCount = 0;
EventEmitter.prototype._maxListeners = undefined;

function addListener(target, type, listener, prepend) {
  checkListener(listener);
  let events = target._events;
  if (events === undefined) {
    events = target._events = Object.create(null);
    target._eventsCount = 0;
  } else if (events.newListener !== undefined) {
    target.emit("newListener", type, listener.listener ? listener.listener : listener);
    events = target._events;
  }
  const existing = events[type];
  if (existing === undefined) {
    events[type] = listener;
    target._eventsCount++;
  } else if (typeof existing === "function") {
    events[type] = prepend ? [listener, existing] : [existing, listener];
  } else if (prepend) {
    existing.unshift(listener);
  } else {
    existing.push(listener);
  }
  const max = target.getMaxListeners();
  const count = typeof events[type] === "function" ? 1 : events[type].length;
  if (max > 0 && count > max && !events[type].warned) {
    if (typeof events[type] !== "function") events[type].warned = true;
    console.warn(
      `MaxListenersExceededWarning: Possible EventEmitter memory leak detected. ${count} ${String(type)} listeners added. Use emitter.setMaxListeners() to increase limit`,
    );
  }
  return target;
}

EventEmitter.prototype.setMaxListeners = function (n) {
  if (typeof n !== "number" || n < 0 || Number.isNaN(n)) {
    throw new RangeError(`The value of "n" is out of range. It must be a non-negative number. Received ${n}`);
  }
  this._maxListeners = n;
  return this;
};

EventEmitter.prototype.getMaxListeners = function () {
  return this._maxListeners === undefined ? EventEmitter.defaultMaxListeners : this._maxListeners;
};

EventEmitter.prototype.emit = function (type, ...args) {
  const events = this._events;
  if (type === "error" && events !== undefined && events[errorMonitor] !== undefined) {
    this.emit(errorMonitor, ...args);
  }
  const handler = events === undefined ? undefined : events[type];
  if (handler === undefined) {
    if (type === "error") {
      const error = args[0];
      if (error instanceof Error) throw error;
      const wrapped = new Error("Unhandled error." + (error === undefined ? "" : ` (${String(error)})`));
      wrapped.code = "ERR_UNHANDLED_ERROR";
      wrapped.context = error;
      throw wrapped;
    }
    return false;
  }
  if (typeof handler === "function") {
    Reflect.apply(handler, this, args);
  } else {
    for (const listener of handler.slice()) Reflect.apply(listener, this, args);
  }
  return true;
};

EventEmitter.prototype.addListener = function (type, listener) {
  return addListener(this, type, listener, false);
};
EventEmitter.prototype.on = EventEmitter.prototype.addListener;
EventEmitter.prototype.prependListener = function (type, listener) {
  return addListener(this, type, listener, true);
};

function onceWrapper(target, type, listener) {
  const state = { fired: false, target, type, listener };
  const wrapped = function (...args) {
    if (!state.fired) {
      state.target.removeListener(state.type, wrapped);
      state.fired = true;
      return Reflect.apply(state.listener, state.target, args);
    }
  };
  wrapped.listener = listener;
  return wrapped;
}

EventEmitter.prototype.once = function (type, listener) {
  checkListener(listener);
  return this.on(type, onceWrapper(this, type, listener));
};
EventEmitter.prototype.prependOnceListener = function (type, listener) {
  checkListener(listener);
  return this.prependListener(type, onceWrapper(this, type, listener));
};

EventEmitter.prototype.removeListener = function (type, listener) {
  checkListener(listener);
  const events = this._events;
  if (events === undefined) return this;
  const list = events[type];
  if (list === undefined) return this;
  if (list === listener || list.listener === listener) {
    if (--this._eventsCount === 0) this._events = Object.create(null);
    else delete events[type];
    if (events.removeListener) this.emit("removeListener", type, list.listener || listener);
  } else if (typeof list !== "function") {
    let position = -1;
    for (let index = list.length - 1; index >= 0; index--) {
      if (list[index] === listener || list[index].listener === listener) {
        position = index;
        break;
      }
    }
    if (position < 0) return this;
    const [removed] = list.splice(position, 1);
    if (list.length === 1) events[type] = list[0];
    if (events.removeListener !== undefined) this.emit("removeListener", type, removed.listener || listener);
  }
  return this;
};
EventEmitter.prototype.off = EventEmitter.prototype.removeListener;

EventEmitter.prototype.removeAllListeners = function (type) {
  const events = this._events;
  if (events === undefined) return this;
  if (events.removeListener === undefined) {
    if (arguments.length === 0) {
      this._events = Object.create(null);
      this._eventsCount = 0;
    } else if (events[type] !== undefined) {
      if (--this._eventsCount === 0) this._events = Object.create(null);
      else delete events[type];
    }
    return this;
  }
  if (arguments.length === 0) {
    for (const key of Reflect.ownKeys(events)) {
      if (key !== "removeListener") this.removeAllListeners(key);
    }
    this.removeAllListeners("removeListener");
    this._events = Object.create(null);
    this._eventsCount = 0;
    return this;
  }
  const listeners = events[type];
  if (typeof listeners === "function") this.removeListener(type, listeners);
  else if (listeners !== undefined) {
    for (let index = listeners.length - 1; index >= 0; index--) this.removeListener(type, listeners[index]);
  }
  return this;
};

function listeners(target, type, unwrap) {
  const events = target._events;
  if (events === undefined || events[type] === undefined) return [];
  const list = events[type];
  if (typeof list === "function") return unwrap ? [list.listener || list] : [list];
  return unwrap ? list.map((listener) => listener.listener || listener) : list.slice();
}

EventEmitter.prototype.listeners = function (type) {
  return listeners(this, type, true);
};
EventEmitter.prototype.rawListeners = function (type) {
  return listeners(this, type, false);
};
EventEmitter.prototype.listenerCount = function (type, listener) {
  const list = this._events === undefined ? undefined : this._events[type];
  if (list === undefined) return 0;
  if (typeof list === "function") return listener === undefined || list === listener || list.listener === listener ? 1 : 0;
  if (listener === undefined) return list.length;
  return list.filter((entry) => entry === listener || entry.listener === listener).length;
};
EventEmitter.prototype.eventNames = function () {
  return this._eventsCount > 0 ? Reflect.ownKeys(this._events) : [];
};

module.exports = EventEmitter;

Object.defineProperty(EventEmitter, "defaultMaxListeners", {
  enumerable: true,
  get: () => defaultMaxListeners,
  set: (value) => {
    if (typeof value !== "number" || value < 0 || Number.isNaN(value)) {
      throw new RangeError(`The value of "defaultMaxListeners" is out of range. It must be a non-negative number. Received ${value}`);
    }
    defaultMaxListeners = value;
  },
});

module.exports.listenerCount = (emitter, type) => emitter.listenerCount(type);

module.exports.once = function (emitter, name, options) {
  return new Promise((resolve, reject) => {
    const signal = options && options.signal;
    if (signal && signal.aborted) {
      reject(new DOMException("The operation was aborted", "AbortError"));
      return;
    }
    if (typeof emitter.addEventListener === "function" && typeof emitter.on !== "function") {
      emitter.addEventListener(name, (...args) => resolve(args), { once: true });
      return;
    }
    const onError = (error) => {
      emitter.removeListener(name, onEvent);
      reject(error);
    };
    const onEvent = (...args) => {
      if (name !== "error") emitter.removeListener("error", onError);
      resolve(args);
    };
    emitter.once(name, onEvent);
    if (name !== "error") emitter.once("error", onError);
    if (signal) {
      signal.addEventListener("abort", () => {
        emitter.removeListener(name, onEvent);
        emitter.removeListener("error", onError);
        reject(new DOMException("The operation was aborted", "AbortError"));
      }, { once: true });
    }
  });
};

module.exports.getEventListeners = (emitter, name) =>
  typeof emitter.listeners === "function" ? emitter.listeners(name) : [];
module.exports.setMaxListeners = (n = defaultMaxListeners, ...targets) => {
  if (targets.length === 0) defaultMaxListeners = n;
  for (const target of targets) if (typeof target.setMaxListeners === "function") target.setMaxListeners(n);
};
module.exports.errorMonitor = errorMonitor;
module.exports.captureRejectionSymbol = Symbol.for("nodejs.rejection");
module.exports.captureRejections = false;
module.exports.EventEmitter = EventEmitter;
module.exports.usingDomains = false;

