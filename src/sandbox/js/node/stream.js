// node:stream, written for switchboard: the legacy Stream base class and
// Readable, Writable, Duplex, Transform and PassThrough on EventEmitter,
// with pipe, Readable.from, async iteration and the array-like helpers.
// finished, pipeline and the stream predicates live in stream_promises.js
// (node:stream/promises), which also gives their callback forms exported
// here. Deferred steps run on process.nextTick, so 'data', 'readable',
// 'end', 'finish', 'close' and 'error' come in Node's order in the common
// cases. Web streams (fromWeb/toWeb) and compose are not provided.
"use strict";

const EventEmitter = require("events");
const { Buffer } = require("buffer");
const { StringDecoder } = require("string_decoder");

const nop = () => {};
const defer = (fn, ...args) => process.nextTick(fn, ...args);
const kInternals = Symbol.for("switchboard.stream.internals");
// finished, pipeline and the predicates, from node:stream/promises.
let shared = null;
const promised = () => shared || (shared = require("stream/promises")[kInternals]);

// ---------------------------------------------------------------------------
// Errors, with Node's codes.

function codedError(Base, code, message) {
  const error = new Base(message);
  error.code = code;
  return error;
}
const received = (value) => (value === null ? "null" : value === undefined ? "undefined" : `type ${typeof value}`);
const errors = {
  argType: (name, expected, value) => codedError(TypeError, "ERR_INVALID_ARG_TYPE", `The "${name}" argument must be ${expected}. Received ${received(value)}`),
  argValue: (name, value) => codedError(TypeError, "ERR_INVALID_ARG_VALUE", `The property '${name}' is invalid. Received ${String(value)}`),
  pushAfterEof: () => codedError(Error, "ERR_STREAM_PUSH_AFTER_EOF", "stream.push() after EOF"),
  unshiftAfterEnd: () => codedError(Error, "ERR_STREAM_UNSHIFT_AFTER_END_EVENT", "stream.unshift() after end event"),
  writeAfterEnd: () => codedError(Error, "ERR_STREAM_WRITE_AFTER_END", "write after end"),
  destroyed: (method) => codedError(Error, "ERR_STREAM_DESTROYED", `Cannot call ${method} after a stream was destroyed`),
  alreadyFinished: (method) => codedError(Error, "ERR_STREAM_ALREADY_FINISHED", `Cannot call ${method} after a stream was finished`),
  nullValues: () => codedError(TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream"),
  prematureClose: () => codedError(Error, "ERR_STREAM_PREMATURE_CLOSE", "Premature close"),
  multipleCallback: () => codedError(Error, "ERR_MULTIPLE_CALLBACK", "Callback called multiple times"),
  notImplemented: (method) => codedError(Error, "ERR_METHOD_NOT_IMPLEMENTED", `The ${method} method is not implemented`),
  unknownEncoding: (encoding) => codedError(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${encoding}`),
  returnValue: (expected, name, value) =>
    codedError(TypeError, "ERR_INVALID_RETURN_VALUE", `Expected ${expected} to be returned from the "${name}" function but got ${received(value)}.`),
  missingArgs: (name) => codedError(TypeError, "ERR_MISSING_ARGS", `The "${name}" argument must be specified`),
};
const CHUNK_TYPES = "of type string or an instance of Buffer or Uint8Array";

class AbortError extends Error {
  constructor(message = "The operation was aborted", options = undefined) {
    super(message, options);
    this.code = "ABORT_ERR";
    this.name = "AbortError";
  }
}

function validateFunction(value, name) {
  if (typeof value !== "function") throw errors.argType(name, "of type function", value);
}

function validateSignal(signal, name) {
  if (signal !== undefined && (signal === null || typeof signal !== "object" || !("aborted" in signal))) {
    throw errors.argType(name, "an instance of AbortSignal", signal);
  }
}

const isUint8Array = (value) => value instanceof Uint8Array;
const toBuffer = (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

// High water marks: 64 KiB, or 16 objects, unless set.
const defaultMarks = { bytes: 64 * 1024, objects: 16 };
const getDefaultHighWaterMark = (objectMode) => (objectMode ? defaultMarks.objects : defaultMarks.bytes);
function setDefaultHighWaterMark(objectMode, value) {
  if (!Number.isInteger(value) || value < 0) throw errors.argValue("value", value);
  defaultMarks[objectMode ? "objects" : "bytes"] = value;
}
function highWaterMarkOf(options, sideKey, isDuplex, objectMode) {
  let value = options ? options.highWaterMark : undefined;
  let name = "options.highWaterMark";
  if (value == null && isDuplex && options) [value, name] = [options[sideKey], `options.${sideKey}`];
  if (value == null) return getDefaultHighWaterMark(objectMode);
  if (!Number.isInteger(value) || value < 0) throw errors.argValue(name, value);
  return Math.floor(value);
}

// ---------------------------------------------------------------------------
// Destruction and errors, for both sides of a stream.

const kConstruct = Symbol("kConstruct");
const kDestroyed = Symbol("kDestroyed");
const statesOf = (stream) => [stream._readableState, stream._writableState].filter(Boolean);

function recordError(stream, error) {
  if (error) for (const state of statesOf(stream)) if (!state.errored) state.errored = error;
}

function destroyStream(error, callback) {
  const states = statesOf(this);
  if (states.some((state) => state.destroyed)) {
    if (typeof callback === "function") callback();
    return this;
  }
  recordError(this, error);
  for (const state of states) state.destroyed = true;
  if (!(this._writableState || this._readableState).constructed) {
    this.once(kConstruct, (constructError) => runDestroy(this, constructError || error, callback));
  } else {
    runDestroy(this, error, callback);
  }
  return this;
}

function runDestroy(stream, error, callback) {
  let called = false;
  const onDestroyed = (destroyError) => {
    if (called) return;
    called = true;
    recordError(stream, destroyError);
    for (const state of statesOf(stream)) state.closed = true;
    if (typeof callback === "function") callback(destroyError);
    defer(() => {
      if (destroyError) emitError(stream, destroyError);
      emitClose(stream);
    });
  };
  try {
    stream._destroy(error || null, onDestroyed);
  } catch (thrown) {
    onDestroyed(thrown);
  }
}

function emitClose(stream) {
  const states = statesOf(stream);
  for (const state of states) state.closeEmitted = true;
  if (states.some((state) => state.emitClose)) stream.emit("close");
}

function emitError(stream, error) {
  const states = statesOf(stream);
  if (states.some((state) => state.errorEmitted)) return;
  for (const state of states) state.errorEmitted = true;
  stream.emit("error", error);
}

// An error from the machinery: destroys the stream when it auto-destroys,
// else records and emits the error.
function errorOrDestroy(stream, error, sync) {
  const states = statesOf(stream);
  if (states.some((state) => state.destroyed)) return;
  if (states.some((state) => state.autoDestroy)) {
    stream.destroy(error);
  } else if (error) {
    recordError(stream, error);
    if (sync) defer(emitError, stream, error);
    else emitError(stream, error);
  }
}

// Runs _construct once, before any _read, _write or _destroy.
function construct(stream, onConstructed) {
  if (typeof stream._construct !== "function") return;
  const states = statesOf(stream);
  for (const state of states) state.constructed = false;
  stream.once(kConstruct, onConstructed);
  defer(() => {
    let called = false;
    const done = (error) => {
      if (called) return errorOrDestroy(stream, error || errors.multipleCallback());
      called = true;
      for (const state of states) state.constructed = true;
      if (error) errorOrDestroy(stream, error, true);
      defer(() => stream.emit(kConstruct, error));
    };
    try {
      stream._construct((error) => defer(done, error));
    } catch (error) {
      defer(done, error);
    }
  });
}

// Makes a destroyed stream usable again (for subclasses that reuse streams).
function undestroy() {
  const [r, w] = [this._readableState, this._writableState];
  for (const state of statesOf(this)) Object.assign(state, { constructed: true, closed: false, closeEmitted: false, destroyed: false, errored: null, errorEmitted: false });
  if (r) Object.assign(r, { reading: false, ended: r.readable === false, endEmitted: r.readable === false });
  if (w) Object.assign(w, { finalCalled: false, prefinished: false, ended: w.writable === false, ending: w.writable === false, finished: w.writable === false });
}

// Destroys anything with a destroy or close method; a stream left before
// its end gets an AbortError.
function destroyer(stream, error) {
  if (!stream || promised().isDestroyed(stream)) return;
  if (!error && !promised().isFinished(stream)) error = new AbortError();
  if (typeof stream.destroy === "function") stream.destroy(error);
  else if (typeof stream.close === "function") stream.close();
  if (!stream.destroyed) stream[kDestroyed] = true;
}

// Getters of a state's fields: { property: [field, fallback] }.
function stateGetters(target, stateKey, fields) {
  for (const [name, [field, fallback]] of Object.entries(fields)) {
    Object.defineProperty(target, name, {
      configurable: true,
      get() {
        const state = this[stateKey];
        return state ? state[field] : fallback;
      },
    });
  }
}
function defineGetters(target, getters) {
  for (const [name, descriptor] of Object.entries(getters)) {
    Object.defineProperty(target, name, { configurable: true, ...(typeof descriptor === "function" ? { get: descriptor } : descriptor) });
  }
}

// ---------------------------------------------------------------------------
// Stream, the legacy base class, with the pipe of old-style streams.

function Stream(options) {
  EventEmitter.call(this, options);
}
Object.setPrototypeOf(Stream.prototype, EventEmitter.prototype);
Object.setPrototypeOf(Stream, EventEmitter);

Stream.prototype.pipe = function (dest, options) {
  const source = this;
  let ended = false;
  const listeners = [
    [source, "data", (chunk) => dest.writable && dest.write(chunk) === false && source.pause && source.pause()],
    [dest, "drain", () => source.readable && source.resume && source.resume()],
  ];
  if (!options || options.end !== false) {
    const endOnce = (how) => () => !ended && (ended = true) && how();
    listeners.push([source, "end", endOnce(() => dest.end())], [source, "close", endOnce(() => typeof dest.destroy === "function" && dest.destroy())]);
  }
  const cleanup = () => listeners.forEach(([emitter, event, listener]) => emitter.removeListener(event, listener));
  const onerror = function (error) {
    cleanup();
    if (this.listenerCount("error") === 0) this.emit("error", error);
  };
  listeners.push([source, "error", onerror], [dest, "error", onerror], [source, "end", cleanup], [source, "close", cleanup], [dest, "close", cleanup]);
  for (const [emitter, event, listener] of listeners) {
    if (event === "error") emitter.prependListener(event, listener);
    else emitter.on(event, listener);
  }
  dest.emit("pipe", source);
  return dest;
};

// ---------------------------------------------------------------------------
// Readable.

function ReadableState(options, stream, isDuplex) {
  if (typeof isDuplex !== "boolean") isDuplex = stream instanceof Duplex;
  this.objectMode = Boolean(options && (options.objectMode || (isDuplex && options.readableObjectMode)));
  this.highWaterMark = highWaterMarkOf(options, "readableHighWaterMark", isDuplex, this.objectMode);
  Object.assign(this, {
    buffer: [], length: 0, pipes: [], flowing: null, paused: null, ended: false, endEmitted: false, reading: false,
    constructed: true, sync: true, needReadable: false, emittedReadable: false, readableListening: false,
    resumeScheduled: false, errorEmitted: false, destroyed: false, errored: null, closed: false, closeEmitted: false,
    awaitDrainWriters: new Set(), readingMore: false, dataEmitted: false, decoder: null, encoding: null,
  });
  this.emitClose = !options || options.emitClose !== false;
  this.autoDestroy = !options || options.autoDestroy !== false;
  this.defaultEncoding = (options && options.defaultEncoding) || "utf8";
  if (options && options.encoding) {
    this.decoder = new StringDecoder(options.encoding);
    this.encoding = this.decoder.encoding;
  }
}

function takeMethods(stream, options, names) {
  if (options) for (const name of names) if (typeof options[name] === "function") stream["_" + name] = options[name];
}

function Readable(options) {
  if (!(this instanceof Readable)) return new Readable(options);
  const isDuplex = this instanceof Duplex;
  this._readableState = new ReadableState(options, this, isDuplex);
  takeMethods(this, options, ["read", "destroy", "construct"]);
  if (options && options.signal && !isDuplex) addAbortSignal(options.signal, this);
  Stream.call(this, options);
  construct(this, () => {
    if (this._readableState.needReadable) maybeReadMore(this, this._readableState);
  });
}
Object.setPrototypeOf(Readable.prototype, Stream.prototype);
Object.setPrototypeOf(Readable, Stream);
Readable.ReadableState = ReadableState;

Readable.prototype.destroy = destroyStream;
Readable.prototype._undestroy = undestroy;
Readable.prototype._destroy = function (error, callback) {
  callback(error);
};
Readable.prototype._read = function () {
  throw errors.notImplemented("_read()");
};
Readable.prototype.push = function (chunk, encoding) {
  return addChunkFrom(this, chunk, encoding, false);
};
Readable.prototype.unshift = function (chunk, encoding) {
  return addChunkFrom(this, chunk, encoding, true);
};

// push and unshift: strings become Buffers (unless they match the
// encoding set), null ends the stream.
function addChunkFrom(stream, chunk, encoding, toFront) {
  const state = stream._readableState;
  if (chunk === null) {
    state.reading = false;
    endOfChunks(stream, state);
    return false;
  }
  if (!state.objectMode) {
    if (typeof chunk === "string") {
      encoding = encoding || state.defaultEncoding;
      if (state.encoding !== encoding) {
        if (toFront && state.encoding) chunk = Buffer.from(chunk, encoding).toString(state.encoding);
        else [chunk, encoding] = [Buffer.from(chunk, encoding), ""];
      }
    } else if (ArrayBuffer.isView(chunk)) {
      if (!Buffer.isBuffer(chunk)) chunk = toBuffer(chunk);
      encoding = "";
    } else if (chunk !== undefined) {
      errorOrDestroy(stream, errors.argType("chunk", CHUNK_TYPES, chunk));
      return false;
    }
  }
  if (state.objectMode || (chunk && chunk.length > 0)) {
    if (toFront) {
      if (state.endEmitted) errorOrDestroy(stream, errors.unshiftAfterEnd());
      else if (state.destroyed || state.errored) return false;
      else addChunk(stream, state, chunk, true);
    } else if (state.ended) {
      errorOrDestroy(stream, errors.pushAfterEof());
    } else if (state.destroyed || state.errored) {
      return false;
    } else {
      state.reading = false;
      if (state.decoder && !encoding) {
        chunk = state.decoder.write(chunk);
        if (state.objectMode || chunk.length !== 0) addChunk(stream, state, chunk, false);
        else maybeReadMore(stream, state);
      } else {
        addChunk(stream, state, chunk, false);
      }
    }
  } else if (!toFront) {
    state.reading = false;
    maybeReadMore(stream, state);
  }
  return !state.ended && (state.length < state.highWaterMark || state.length === 0);
}

// A chunk goes straight to 'data' when flowing with nothing buffered,
// else into the buffer.
function addChunk(stream, state, chunk, toFront) {
  if (state.flowing && state.length === 0 && !state.sync && stream.listenerCount("data") > 0) {
    state.awaitDrainWriters.clear();
    state.dataEmitted = true;
    stream.emit("data", chunk);
  } else {
    state.length += state.objectMode ? 1 : chunk.length;
    if (toFront) state.buffer.unshift(chunk);
    else state.buffer.push(chunk);
    if (state.needReadable) emitReadable(stream);
  }
  maybeReadMore(stream, state);
}

function endOfChunks(stream, state) {
  if (state.ended) return;
  const rest = state.decoder ? state.decoder.end() : "";
  if (rest && rest.length) {
    state.buffer.push(rest);
    state.length += state.objectMode ? 1 : rest.length;
  }
  state.ended = true;
  if (state.sync) {
    emitReadable(stream);
  } else {
    state.needReadable = false;
    state.emittedReadable = true;
    emitReadableNow(stream);
  }
}

function emitReadable(stream) {
  const state = stream._readableState;
  state.needReadable = false;
  if (!state.emittedReadable) {
    state.emittedReadable = true;
    defer(emitReadableNow, stream);
  }
}

function emitReadableNow(stream) {
  const state = stream._readableState;
  if (!state.destroyed && !state.errored && (state.length || state.ended)) {
    stream.emit("readable");
    state.emittedReadable = false;
  }
  if (!state.flowing && !state.ended && state.length <= state.highWaterMark) state.needReadable = true;
  flow(stream);
}

// Asks _read for more, on the next tick, while below the high water mark
// (or flowing with nothing buffered).
function maybeReadMore(stream, state) {
  if (state.readingMore || state.reading || !state.constructed) return;
  state.readingMore = true;
  defer(() => {
    while (!state.reading && !state.ended && (state.length < state.highWaterMark || (state.flowing && state.length === 0))) {
      const before = state.length;
      stream.read(0);
      if (before === state.length) break;
    }
    state.readingMore = false;
  });
}

function flow(stream) {
  const state = stream._readableState;
  while (state.flowing && stream.read() !== null);
}

function amountToRead(n, state) {
  if (n <= 0 || (state.length === 0 && state.ended)) return 0;
  if (state.objectMode) return 1;
  if (Number.isNaN(n)) return state.flowing && state.length ? state.buffer[0].length : state.length;
  if (n <= state.length) return n;
  return state.ended ? state.length : 0;
}

// Takes n bytes (or characters, or one object) off the front of the buffer.
function takeFromBuffer(n, state) {
  const buffer = state.buffer;
  if (state.length === 0) return null;
  if (state.objectMode) return buffer.shift();
  if (!n || n >= state.length) {
    const all = state.decoder ? buffer.join("") : buffer.length === 1 ? buffer[0] : Buffer.concat(buffer, state.length);
    state.buffer = [];
    return all;
  }
  const parts = [];
  for (let needed = n; needed > 0; ) {
    const chunk = buffer[0];
    if (chunk.length <= needed) {
      parts.push(buffer.shift());
    } else {
      parts.push(chunk.slice(0, needed));
      buffer[0] = chunk.slice(needed);
    }
    needed -= parts[parts.length - 1].length;
  }
  if (parts.length === 1) return parts[0];
  return state.decoder ? parts.join("") : Buffer.concat(parts, n);
}

Readable.prototype.read = function (n) {
  if (n === undefined) n = NaN;
  else if (!Number.isInteger(n)) n = Number.parseInt(n, 10);
  const state = this._readableState;
  const requested = n;
  if (n > state.highWaterMark) {
    if (n > 0x40000000) throw codedError(RangeError, "ERR_OUT_OF_RANGE", `The value of "size" is out of range. It must be <= 1GiB. Received ${n}`);
    let power = 1;
    while (power < n) power *= 2;
    state.highWaterMark = power;
  }
  if (n !== 0) state.emittedReadable = false;
  // read(0) with enough buffered (or the end reached) only signals.
  const enough = state.highWaterMark !== 0 ? state.length >= state.highWaterMark : state.length > 0;
  if (n === 0 && state.needReadable && (enough || state.ended)) {
    if (state.length === 0 && state.ended) endReadable(this);
    else emitReadable(this);
    return null;
  }
  n = amountToRead(n, state);
  if (n === 0 && state.ended) {
    if (state.length === 0) endReadable(this);
    return null;
  }
  let callRead = state.needReadable || state.length === 0 || state.length - n < state.highWaterMark;
  if (state.ended || state.reading || state.destroyed || state.errored || !state.constructed) callRead = false;
  if (callRead) {
    state.reading = true;
    state.sync = true;
    if (state.length === 0) state.needReadable = true;
    try {
      this._read(state.highWaterMark);
    } catch (error) {
      errorOrDestroy(this, error);
    }
    state.sync = false;
    if (!state.reading) n = amountToRead(requested, state);
  }
  const result = n > 0 ? takeFromBuffer(n, state) : null;
  if (result === null) {
    if (state.length <= state.highWaterMark) state.needReadable = true;
    n = 0;
  } else {
    state.length -= n;
    state.awaitDrainWriters.clear();
  }
  if (state.length === 0) {
    if (!state.ended) state.needReadable = true;
    if (requested !== n && state.ended) endReadable(this);
  }
  if (result !== null && !state.errorEmitted && !state.closeEmitted) {
    state.dataEmitted = true;
    this.emit("data", result);
  }
  return result;
};

function endReadable(stream) {
  const state = stream._readableState;
  if (state.endEmitted) return;
  state.ended = true;
  defer(() => {
    if (state.errored || state.closeEmitted || state.endEmitted || state.length !== 0) return;
    state.endEmitted = true;
    stream.emit("end");
    if (stream.writable && stream.allowHalfOpen === false) {
      defer(() => stream.writable && !stream.writableEnded && !stream.destroyed && stream.end());
    } else if (state.autoDestroy) {
      const w = stream._writableState;
      if (!w || (w.autoDestroy && (w.finished || w.writable === false))) stream.destroy();
    }
  });
}

// A 'data' listener starts the flow, a 'readable' listener stops it.
Readable.prototype.on = function (event, listener) {
  const result = Stream.prototype.on.call(this, event, listener);
  const state = this._readableState;
  if (event === "data") {
    if (this.listenerCount("readable") > 0) state.readableListening = true;
    if (state.flowing !== false) this.resume();
  } else if (event === "readable" && !state.endEmitted && !state.readableListening) {
    state.readableListening = state.needReadable = true;
    state.flowing = false;
    state.emittedReadable = false;
    if (state.length) emitReadable(this);
    else if (!state.reading) defer(() => this.read(0));
  }
  return result;
};
Readable.prototype.addListener = Readable.prototype.on;

Readable.prototype.removeListener = function (event, listener) {
  const result = Stream.prototype.removeListener.call(this, event, listener);
  if (event === "readable") defer(updateReadableListening, this);
  return result;
};
Readable.prototype.off = Readable.prototype.removeListener;

Readable.prototype.removeAllListeners = function (event) {
  const result = Stream.prototype.removeAllListeners.apply(this, arguments);
  if (event === "readable" || event === undefined) defer(updateReadableListening, this);
  return result;
};

function updateReadableListening(stream) {
  const state = stream._readableState;
  state.readableListening = stream.listenerCount("readable") > 0;
  if (state.resumeScheduled && state.paused === false) state.flowing = true;
  else if (stream.listenerCount("data") > 0) stream.resume();
  else if (!state.readableListening) state.flowing = null;
}

Readable.prototype.resume = function () {
  const state = this._readableState;
  if (!state.flowing) {
    state.flowing = !state.readableListening;
    if (!state.resumeScheduled) {
      state.resumeScheduled = true;
      defer(() => {
        if (!state.reading) this.read(0);
        state.resumeScheduled = false;
        this.emit("resume");
        flow(this);
        if (state.flowing && !state.reading) this.read(0);
      });
    }
  }
  state.paused = false;
  return this;
};

Readable.prototype.pause = function () {
  const state = this._readableState;
  if (state.flowing !== false) {
    state.flowing = false;
    this.emit("pause");
  }
  state.paused = true;
  return this;
};

Readable.prototype.isPaused = function () {
  const state = this._readableState;
  return state.paused === true || state.flowing === false;
};

Readable.prototype.setEncoding = function (encoding) {
  const state = this._readableState;
  state.decoder = new StringDecoder(encoding);
  state.encoding = state.decoder.encoding;
  const text = state.buffer.map((chunk) => state.decoder.write(chunk)).join("");
  state.buffer = text === "" ? [] : [text];
  state.length = text.length;
  return this;
};

Readable.prototype.pipe = function (dest, options) {
  const source = this;
  const state = this._readableState;
  state.pipes.push(dest);
  const stdio = typeof process === "object" && process !== null && (dest === process.stdout || dest === process.stderr);
  const onend = () => dest.end();
  const unpipe = () => source.unpipe(dest);
  const endListener = (!options || options.end !== false) && !stdio ? onend : unpipe;
  if (state.endEmitted) defer(endListener);
  else source.once("end", endListener);

  let ondrain = null;
  let cleanedUp = false;
  const onunpipe = (readable, info) => {
    if (readable !== source || !info || info.hasUnpiped !== false) return;
    info.hasUnpiped = true;
    cleanup();
  };
  const cleanup = () => {
    for (const [event, listener] of [["close", onclose], ["finish", onfinish], ["drain", ondrain], ["error", onerror], ["unpipe", onunpipe]]) {
      if (listener) dest.removeListener(event, listener);
    }
    source.removeListener("end", onend);
    source.removeListener("end", unpipe);
    source.removeListener("data", ondata);
    cleanedUp = true;
    if (ondrain && state.awaitDrainWriters.size && (!dest._writableState || dest._writableState.needDrain)) ondrain();
  };
  // Backpressure: pause until every destination that said "full" drains.
  const pauseForDrain = () => {
    if (!cleanedUp && state.pipes.includes(dest)) state.awaitDrainWriters.add(dest);
    source.pause();
    if (ondrain) return;
    ondrain = () => {
      state.awaitDrainWriters.delete(dest);
      if (state.awaitDrainWriters.size === 0 && source.listenerCount("data")) source.resume();
    };
    dest.on("drain", ondrain);
  };
  const ondata = (chunk) => dest.write(chunk) === false && pauseForDrain();
  const onerror = (error) => {
    unpipe();
    dest.removeListener("error", onerror);
    if (dest.listenerCount("error") !== 0) return;
    const destState = dest._writableState || dest._readableState;
    if (destState && !destState.errorEmitted) errorOrDestroy(dest, error);
    else dest.emit("error", error);
  };
  const onclose = () => {
    dest.removeListener("finish", onfinish);
    unpipe();
  };
  const onfinish = () => {
    dest.removeListener("close", onclose);
    unpipe();
  };
  dest.on("unpipe", onunpipe);
  source.on("data", ondata);
  dest.prependListener("error", onerror);
  dest.once("close", onclose);
  dest.once("finish", onfinish);
  dest.emit("pipe", source);
  if (dest.writableNeedDrain === true) pauseForDrain();
  else if (!state.flowing) source.resume();
  return dest;
};

Readable.prototype.unpipe = function (dest) {
  const state = this._readableState;
  const dests = dest ? (state.pipes.includes(dest) ? [dest] : []) : state.pipes.slice();
  if (dests.length === 0) return this;
  state.pipes = state.pipes.filter((each) => !dests.includes(each));
  if (state.pipes.length === 0) this.pause();
  for (const each of dests) each.emit("unpipe", this, { hasUnpiped: false });
  return this;
};

// Wraps an old-style stream (data and end events, pause and resume).
Readable.prototype.wrap = function (stream) {
  let paused = false;
  stream.on("data", (chunk) => {
    if (this.push(chunk) || typeof stream.pause !== "function") return;
    paused = true;
    stream.pause();
  });
  stream.on("end", () => this.push(null));
  stream.on("error", (error) => errorOrDestroy(this, error));
  stream.on("close", () => this.destroy());
  stream.on("destroy", () => this.destroy());
  this._read = () => {
    if (!paused || typeof stream.resume !== "function") return;
    paused = false;
    stream.resume();
  };
  return this;
};

// The async iterator: takes what is buffered, then waits for 'readable' or
// the end; a loop left early destroys the stream.
async function* iterate(stream, options) {
  let wake = nop;
  const onReadable = () => {
    wake();
    wake = nop;
  };
  stream.on("readable", onReadable);
  let error;
  const cleanup = promised().finished(stream, { writable: false }, (finishError) => {
    error = finishError ? error || finishError : null;
    onReadable();
  });
  try {
    while (true) {
      const chunk = stream.destroyed ? null : stream.read();
      if (chunk !== null) yield chunk;
      else if (error) throw error;
      else if (error === null) return;
      else await new Promise((resolve) => (wake = resolve));
    }
  } catch (thrown) {
    error = error || thrown;
    throw error;
  } finally {
    const destroyOnReturn = !options || options.destroyOnReturn !== false;
    if ((error || destroyOnReturn) && (error === undefined || stream._readableState.autoDestroy)) {
      destroyer(stream, null);
    } else {
      stream.off("readable", onReadable);
      cleanup();
    }
  }
}
Readable.prototype[Symbol.asyncIterator] = function () {
  return iterate(this);
};
Readable.prototype.iterator = function (options) {
  return iterate(this, options);
};

// Readable.from: an object-mode Readable over an iterable or async
// iterable; a string or Buffer is one chunk.
Readable.from = function (iterable, options) {
  if (typeof iterable === "string" || Buffer.isBuffer(iterable)) {
    return new Readable({
      objectMode: true,
      ...options,
      read() {
        this.push(iterable);
        this.push(null);
      },
    });
  }
  const isAsync = Boolean(iterable && typeof iterable[Symbol.asyncIterator] === "function");
  if (!isAsync && !(iterable && typeof iterable[Symbol.iterator] === "function")) throw errors.argType("iterable", "an instance of Iterable", iterable);
  const iterator = isAsync ? iterable[Symbol.asyncIterator]() : iterable[Symbol.iterator]();
  const readable = new Readable({ objectMode: true, highWaterMark: 1, ...options });
  // Values of a sync iterable are pushed as they come until one is a
  // promise; from then on each is awaited when it is one.
  let reading = false;
  let awaitValues = false;
  readable._read = function () {
    if (reading) return;
    reading = true;
    if (isAsync) pullAsync();
    else if (awaitValues) pullAwaitingValues();
    else pullSync();
  };
  readable._destroy = function (error, callback) {
    closeIterator(error).then(
      () => defer(callback, error),
      (closeError) => defer(callback, closeError || error),
    );
  };
  async function closeIterator(error) {
    if (error !== undefined && error !== null && typeof iterator.throw === "function") {
      const { value, done } = await iterator.throw(error);
      await value;
      if (done) return;
    }
    if (typeof iterator.return === "function") await (await iterator.return()).value;
  }
  // Pushes a value; true when more may be pushed.
  function deliver(value) {
    if (value === null) {
      reading = false;
      throw errors.nullValues();
    }
    if (readable.push(value)) return true;
    reading = false;
    return false;
  }
  function pullSync() {
    try {
      while (true) {
        const { value, done } = iterator.next();
        if (done) return void readable.push(null);
        if (value && typeof value.then === "function") return void firstPromise(value);
        if (!deliver(value)) return;
      }
    } catch (error) {
      readable.destroy(error);
    }
  }
  async function firstPromise(promise) {
    awaitValues = true;
    try {
      if (deliver(await promise)) pullAwaitingValues();
    } catch (error) {
      readable.destroy(error);
    }
  }
  async function pullAwaitingValues() {
    try {
      while (true) {
        const { value, done } = iterator.next();
        if (done) return void readable.push(null);
        if (!deliver(value && typeof value.then === "function" ? await value : value)) return;
      }
    } catch (error) {
      readable.destroy(error);
    }
  }
  async function pullAsync() {
    try {
      while (true) {
        const { value, done } = await iterator.next();
        if (done) return void readable.push(null);
        if (!deliver(value)) return;
      }
    } catch (error) {
      readable.destroy(error);
    }
  }
  return readable;
};

// The array-like helpers, one chunk at a time.
function signalOf(options) {
  if (options != null && typeof options !== "object") throw errors.argType("options", "of type object", options);
  return { signal: options ? options.signal : undefined };
}
const streamOf = (generate) => Readable.from(generate, { objectMode: true });
Object.assign(Readable.prototype, {
  map(fn, options) {
    validateFunction(fn, "fn");
    const [stream, extra] = [this, signalOf(options)];
    return streamOf((async function* () {
      for await (const chunk of stream) yield await fn(chunk, extra);
    })());
  },
  filter(fn, options) {
    validateFunction(fn, "fn");
    const [stream, extra] = [this, signalOf(options)];
    return streamOf((async function* () {
      for await (const chunk of stream) if (await fn(chunk, extra)) yield chunk;
    })());
  },
  flatMap(fn, options) {
    validateFunction(fn, "fn");
    const [stream, extra] = [this, signalOf(options)];
    return streamOf((async function* () {
      for await (const chunk of stream) yield* await fn(chunk, extra);
    })());
  },
  take(limit) {
    const [stream, count] = [this, countOf(limit)];
    return streamOf((async function* () {
      if (count <= 0) return;
      let taken = 0;
      for await (const chunk of stream) {
        yield chunk;
        if (++taken >= count) return;
      }
    })());
  },
  drop(limit) {
    const [stream, count] = [this, countOf(limit)];
    return streamOf((async function* () {
      let seen = 0;
      for await (const chunk of stream) if (seen++ >= count) yield chunk;
    })());
  },
  async toArray(options) {
    const { signal } = signalOf(options);
    const result = [];
    for await (const chunk of this) {
      if (signal && signal.aborted) throw new AbortError(undefined, { cause: signal.reason });
      result.push(chunk);
    }
    return result;
  },
  async forEach(fn, options) {
    validateFunction(fn, "fn");
    for await (const chunk of this) await fn(chunk, signalOf(options));
  },
  async reduce(reducer, ...initial) {
    validateFunction(reducer, "reducer");
    let [hasValue, value] = [initial.length > 0, initial[0]];
    for await (const chunk of this) {
      value = hasValue ? await reducer(value, chunk, {}) : chunk;
      hasValue = true;
    }
    if (!hasValue) throw codedError(TypeError, "ERR_MISSING_ARGS", "The \"reduce\" argument must be specified");
    return value;
  },
  async some(fn, options) {
    return (await findEntry(this, fn, options)) !== null;
  },
  async every(fn, options) {
    validateFunction(fn, "fn");
    return (await findEntry(this, async (...args) => !(await fn(...args)), options)) === null;
  },
  async find(fn, options) {
    const entry = await findEntry(this, fn, options);
    return entry === null ? undefined : entry[0];
  },
});
async function findEntry(stream, fn, options) {
  validateFunction(fn, "fn");
  for await (const chunk of stream) if (await fn(chunk, signalOf(options))) return [chunk];
  return null;
}
function countOf(limit) {
  const number = Number(limit);
  if (Number.isNaN(number)) return 0;
  if (number < 0) throw codedError(RangeError, "ERR_OUT_OF_RANGE", `The value of "number" is out of range. It must be >= 0. Received ${number}`);
  return number;
}

stateGetters(Readable.prototype, "_readableState", {
  readableDidRead: ["dataEmitted", false],
  readableHighWaterMark: ["highWaterMark", undefined],
  readableBuffer: ["buffer", undefined],
  readableLength: ["length", undefined],
  readableObjectMode: ["objectMode", false],
  readableEncoding: ["encoding", null],
  readableEnded: ["endEmitted", false],
  errored: ["errored", null],
  closed: ["closed", false],
});
defineGetters(Readable.prototype, {
  readable: {
    get() {
      const r = this._readableState;
      return Boolean(r) && r.readable !== false && !r.destroyed && !r.errorEmitted && !r.endEmitted;
    },
    set(value) {
      if (this._readableState) this._readableState.readable = Boolean(value);
    },
  },
  readableAborted() {
    const r = this._readableState;
    return Boolean(r.readable !== false && (r.destroyed || r.errored) && !r.endEmitted);
  },
  readableFlowing: {
    get() {
      return this._readableState.flowing;
    },
    set(value) {
      if (this._readableState) this._readableState.flowing = value;
    },
  },
  destroyed: {
    get() {
      return this._readableState ? this._readableState.destroyed : false;
    },
    set(value) {
      if (this._readableState) this._readableState.destroyed = value;
    },
  },
});

// ---------------------------------------------------------------------------
// Writable.

function WritableState(options, stream, isDuplex) {
  if (typeof isDuplex !== "boolean") isDuplex = stream instanceof Duplex;
  this.objectMode = Boolean(options && (options.objectMode || (isDuplex && options.writableObjectMode)));
  this.highWaterMark = highWaterMarkOf(options, "writableHighWaterMark", isDuplex, this.objectMode);
  Object.assign(this, {
    finalCalled: false, needDrain: false, ending: false, ended: false, finished: false, destroyed: false, length: 0,
    writing: false, corked: 0, sync: true, bufferProcessing: false, writecb: null, writelen: 0, afterWriteTickInfo: null, afterWritePending: false,
    buffered: [], allNoop: true, pendingcb: 0, constructed: true, prefinished: false, errorEmitted: false, errored: null,
    closed: false, closeEmitted: false, onFinished: [],
  });
  this.decodeStrings = !(options && options.decodeStrings === false);
  this.defaultEncoding = (options && options.defaultEncoding) || "utf8";
  this.emitClose = !options || options.emitClose !== false;
  this.autoDestroy = !options || options.autoDestroy !== false;
  this.onwrite = (error) => onWrite(stream, error);
}
WritableState.prototype.getBuffer = function () {
  return this.buffered.slice();
};
Object.defineProperty(WritableState.prototype, "bufferedRequestCount", {
  get() {
    return this.buffered.length;
  },
});

function Writable(options) {
  const isDuplex = this instanceof Duplex;
  if (!isDuplex && !Function.prototype[Symbol.hasInstance].call(Writable, this)) return new Writable(options);
  this._writableState = new WritableState(options, this, isDuplex);
  takeMethods(this, options, ["write", "writev", "destroy", "final", "construct"]);
  if (options && options.signal) addAbortSignal(options.signal, this);
  Stream.call(this, options);
  construct(this, () => afterConstruct(this));
}
Object.setPrototypeOf(Writable.prototype, Stream.prototype);
Object.setPrototypeOf(Writable, Stream);
Writable.WritableState = WritableState;

function afterConstruct(stream) {
  const state = stream._writableState;
  if (!state.writing) clearBuffer(stream, state);
  finishMaybe(stream, state);
}

// A Duplex counts as a Writable.
Object.defineProperty(Writable, Symbol.hasInstance, {
  value(object) {
    if (Function.prototype[Symbol.hasInstance].call(this, object)) return true;
    return this === Writable && Boolean(object && object._writableState instanceof WritableState);
  },
});

Writable.prototype.pipe = function () {
  errorOrDestroy(this, codedError(Error, "ERR_STREAM_CANNOT_PIPE", "Cannot pipe, not readable"));
};

// write() and end(chunk): checks the chunk, then writes it now or buffers
// it behind the write in progress. Returns the error of a write too late.
function writeChunk(stream, chunk, encoding, callback) {
  const state = stream._writableState;
  if (typeof encoding === "function") [callback, encoding] = [encoding, state.defaultEncoding];
  else {
    if (!encoding) encoding = state.defaultEncoding;
    else if (encoding !== "buffer" && !Buffer.isEncoding(encoding)) throw errors.unknownEncoding(encoding);
    if (typeof callback !== "function") callback = nop;
  }
  if (chunk === null) throw errors.nullValues();
  if (!state.objectMode) {
    if (typeof chunk === "string") {
      if (state.decodeStrings) [chunk, encoding] = [Buffer.from(chunk, encoding), "buffer"];
    } else if (ArrayBuffer.isView(chunk)) {
      [chunk, encoding] = [Buffer.isBuffer(chunk) ? chunk : toBuffer(chunk), "buffer"];
    } else {
      throw errors.argType("chunk", CHUNK_TYPES, chunk);
    }
  }
  const late = state.ending ? errors.writeAfterEnd() : state.destroyed ? errors.destroyed("write") : null;
  if (late) {
    defer(callback, late);
    errorOrDestroy(stream, late, true);
    return late;
  }
  state.pendingcb++;
  const length = state.objectMode ? 1 : chunk.length;
  state.length += length;
  if (state.writing || state.corked || state.errored || !state.constructed) {
    state.buffered.push({ chunk, encoding, callback });
    if (callback !== nop) state.allNoop = false;
  } else {
    startWrite(stream, state, false, length, chunk, encoding, callback);
  }
  // Measured after a write that completed synchronously.
  const belowMark = state.length < state.highWaterMark || state.length === 0;
  if (!belowMark) state.needDrain = true;
  return belowMark && !state.errored && !state.destroyed;
}

function startWrite(stream, state, many, length, chunk, encoding, callback) {
  Object.assign(state, { writelen: length, writecb: callback, writing: true, sync: true });
  if (state.destroyed) state.onwrite(errors.destroyed("write"));
  else if (many) stream._writev(chunk, state.onwrite);
  else stream._write(chunk, encoding, state.onwrite);
  state.sync = false;
}

// The callback given to _write and _writev.
function onWrite(stream, error) {
  const state = stream._writableState;
  const [sync, callback] = [state.sync, state.writecb];
  if (typeof callback !== "function") return errorOrDestroy(stream, errors.multipleCallback());
  state.writing = false;
  state.writecb = null;
  state.length -= state.writelen;
  state.writelen = 0;
  if (error) {
    recordError(stream, error);
    const fail = () => {
      state.pendingcb--;
      callback(error);
      failBuffered(state);
      errorOrDestroy(stream, error);
    };
    return sync ? defer(fail) : fail();
  }
  if (state.buffered.length) clearBuffer(stream, state);
  if (!sync) return afterWrite(stream, state, 1, callback);
  // A synchronous write without a callback is done at once, unless a
  // 'drain' is due; callbacks of synchronous writes run on the next tick,
  // together when they are the same function.
  if (callback === nop) {
    // (Node 22 also takes the tick for every object-mode stream.)
    if (!state.afterWritePending && ((state.needDrain && state.length === 0) || state.destroyed || state.objectMode)) {
      state.afterWritePending = true;
      defer(afterWrite, stream, state, 1, nop);
    } else {
      state.pendingcb--;
      if (state.ending) finishMaybe(stream, state, true);
    }
    return;
  }
  const pending = state.afterWriteTickInfo;
  if (pending !== null && pending.callback === callback) return void pending.count++;
  const tick = { count: 1, callback };
  state.afterWriteTickInfo = tick;
  state.afterWritePending = true;
  defer(() => {
    if (state.afterWriteTickInfo === tick) state.afterWriteTickInfo = null;
    afterWrite(stream, state, tick.count, callback);
  });
}

function afterWrite(stream, state, count, callback) {
  state.afterWritePending = false;
  if (!state.ending && !stream.destroyed && state.length === 0 && state.needDrain) {
    state.needDrain = false;
    stream.emit("drain");
  }
  for (; count > 0; count--) {
    state.pendingcb--;
    callback(null);
  }
  if (state.destroyed) failBuffered(state);
  finishMaybe(stream, state, true);
}

// Fails the buffered writes and end callbacks of a destroyed or errored stream.
function failBuffered(state) {
  if (state.writing) return;
  for (const { chunk, callback } of state.buffered) {
    state.length -= state.objectMode ? 1 : chunk.length;
    callback(state.errored || errors.destroyed("write"));
  }
  for (const callback of state.onFinished.splice(0)) callback(state.errored || errors.destroyed("end"));
  state.buffered = [];
  state.allNoop = true;
}

function clearBuffer(stream, state) {
  const buffered = state.buffered;
  if (state.corked || state.bufferProcessing || state.destroyed || !state.constructed || buffered.length === 0) return;
  state.bufferProcessing = true;
  if (buffered.length > 1 && stream._writev) {
    state.pendingcb -= buffered.length - 1;
    const callback = state.allNoop ? nop : (error) => buffered.forEach((entry) => entry.callback(error));
    buffered.allBuffers = buffered.every((entry) => entry.encoding === "buffer");
    state.buffered = [];
    state.allNoop = true;
    startWrite(stream, state, true, state.length, buffered, "", callback);
  } else {
    do {
      const { chunk, encoding, callback } = buffered.shift();
      startWrite(stream, state, false, state.objectMode ? 1 : chunk.length, chunk, encoding, callback);
    } while (buffered.length && !state.writing);
    if (!buffered.length) state.allNoop = true;
  }
  state.bufferProcessing = false;
}

Writable.prototype.write = function (chunk, encoding, callback) {
  return writeChunk(this, chunk, encoding, callback) === true;
};
Writable.prototype.cork = function () {
  this._writableState.corked++;
};
Writable.prototype.uncork = function () {
  const state = this._writableState;
  if (!state.corked) return;
  state.corked--;
  if (!state.writing) clearBuffer(this, state);
};
Writable.prototype.setDefaultEncoding = function (encoding) {
  if (typeof encoding === "string") encoding = encoding.toLowerCase();
  if (!Buffer.isEncoding(encoding)) throw errors.unknownEncoding(encoding);
  this._writableState.defaultEncoding = encoding;
  return this;
};
Writable.prototype._write = function (chunk, encoding, callback) {
  if (!this._writev) throw errors.notImplemented("_write()");
  this._writev([{ chunk, encoding }], callback);
};
Writable.prototype._writev = null;

Writable.prototype.end = function (chunk, encoding, callback) {
  const state = this._writableState;
  if (typeof chunk === "function") [callback, chunk, encoding] = [chunk, null, null];
  else if (typeof encoding === "function") [callback, encoding] = [encoding, null];
  let error;
  if (chunk !== null && chunk !== undefined) {
    const result = writeChunk(this, chunk, encoding);
    if (result instanceof Error) error = result;
  }
  if (state.corked) {
    state.corked = 1;
    this.uncork();
  }
  if (error) {
    // Already reported by the write.
  } else if (!state.errored && !state.ending) {
    state.ending = true;
    finishMaybe(this, state, true);
    state.ended = true;
  } else if (state.finished) {
    error = errors.alreadyFinished("end");
  } else if (state.destroyed) {
    error = errors.destroyed("end");
  }
  if (typeof callback === "function") {
    if (error || state.errored) defer(callback, error || state.errored);
    else if (state.finished) defer(callback, null);
    else state.onFinished.push(callback);
  }
  return this;
};

// (The buffer counts as non-empty until clearBuffer is through with it.)
function needFinish(state) {
  return state.ending && !state.destroyed && state.constructed && state.length === 0 && !state.errored && state.buffered.length === 0 &&
    !state.bufferProcessing && !state.finished && !state.writing && !state.errorEmitted && !state.closeEmitted;
}

// 'prefinish' comes after _final calls back (or at once without _final).
function prefinish(stream, state) {
  if (state.prefinished || state.finalCalled) return;
  if (typeof stream._final !== "function" || state.destroyed) {
    state.prefinished = true;
    return void stream.emit("prefinish");
  }
  state.finalCalled = true;
  state.sync = true;
  state.pendingcb++;
  let called = false;
  const onFinal = (error) => {
    if (called) return errorOrDestroy(stream, error || errors.multipleCallback());
    called = true;
    state.pendingcb--;
    if (error) {
      for (const callback of state.onFinished.splice(0)) callback(error);
      errorOrDestroy(stream, error, state.sync);
    } else if (needFinish(state)) {
      state.prefinished = true;
      stream.emit("prefinish");
      state.pendingcb++;
      defer(finish, stream, state);
    }
  };
  try {
    stream._final(onFinal);
  } catch (error) {
    onFinal(error);
  }
  state.sync = false;
}

function finishMaybe(stream, state, sync) {
  if (!needFinish(state)) return;
  prefinish(stream, state);
  if (state.pendingcb !== 0) return;
  if (sync) {
    state.pendingcb++;
    defer(() => (needFinish(state) ? finish(stream, state) : state.pendingcb--));
  } else if (needFinish(state)) {
    state.pendingcb++;
    finish(stream, state);
  }
}

function finish(stream, state) {
  state.pendingcb--;
  state.finished = true;
  for (const callback of state.onFinished.splice(0)) callback(null);
  stream.emit("finish");
  if (!state.autoDestroy) return;
  const r = stream._readableState;
  if (!r || (r.autoDestroy && (r.endEmitted || r.readable === false))) stream.destroy();
}

Writable.prototype.destroy = function (error, callback) {
  const state = this._writableState;
  if (!state.destroyed && (state.buffered.length || state.onFinished.length)) defer(failBuffered, state);
  return destroyStream.call(this, error, callback);
};
Writable.prototype._undestroy = undestroy;
Writable.prototype._destroy = function (error, callback) {
  callback(error);
};

const writableGetters = {
  writable: {
    get() {
      const w = this._writableState;
      return Boolean(w) && w.writable !== false && !w.destroyed && !w.errored && !w.ending && !w.ended;
    },
    set(value) {
      if (this._writableState) this._writableState.writable = Boolean(value);
    },
  },
  writableBuffer() {
    return this._writableState && this._writableState.getBuffer();
  },
  writableNeedDrain() {
    const w = this._writableState;
    return w ? !w.destroyed && !w.ending && w.needDrain : false;
  },
  writableAborted() {
    const w = this._writableState;
    return Boolean(w.writable !== false && (w.destroyed || w.errored) && !w.finished);
  },
};
const writableFields = {
  writableFinished: ["finished", false],
  writableObjectMode: ["objectMode", false],
  writableEnded: ["ending", false],
  writableHighWaterMark: ["highWaterMark", undefined],
  writableCorked: ["corked", 0],
  writableLength: ["length", undefined],
};
defineGetters(Writable.prototype, writableGetters);
stateGetters(Writable.prototype, "_writableState", { ...writableFields, errored: ["errored", null], closed: ["closed", false] });
defineGetters(Writable.prototype, {
  destroyed: {
    get() {
      return this._writableState ? this._writableState.destroyed : false;
    },
    set(value) {
      if (this._writableState) this._writableState.destroyed = value;
    },
  },
});

// ---------------------------------------------------------------------------
// Duplex, Transform, PassThrough.

function Duplex(options) {
  if (!(this instanceof Duplex)) return new Duplex(options);
  this._readableState = new ReadableState(options, this, true);
  this._writableState = new WritableState(options, this, true);
  this.allowHalfOpen = !options || options.allowHalfOpen !== false;
  if (options && options.readable === false) Object.assign(this._readableState, { readable: false, ended: true, endEmitted: true });
  if (options && options.writable === false) Object.assign(this._writableState, { writable: false, ending: true, ended: true, finished: true });
  takeMethods(this, options, ["read", "write", "writev", "final", "destroy", "construct"]);
  if (options && options.signal) addAbortSignal(options.signal, this);
  Stream.call(this, options);
  construct(this, () => {
    afterConstruct(this);
    if (this._readableState.needReadable) maybeReadMore(this, this._readableState);
  });
}
Object.setPrototypeOf(Duplex.prototype, Readable.prototype);
Object.setPrototypeOf(Duplex, Readable);
for (const name of Object.getOwnPropertyNames(Writable.prototype)) {
  if (name === "constructor" || name in Readable.prototype) continue;
  Object.defineProperty(Duplex.prototype, name, Object.getOwnPropertyDescriptor(Writable.prototype, name));
}
Duplex.prototype.destroy = Writable.prototype.destroy;
defineGetters(Duplex.prototype, {
  destroyed: {
    get() {
      const [r, w] = [this._readableState, this._writableState];
      return r !== undefined && w !== undefined ? r.destroyed && w.destroyed : false;
    },
    set(value) {
      if (!this._readableState || !this._writableState) return;
      this._readableState.destroyed = value;
      this._writableState.destroyed = value;
    },
  },
});

// Two connected Duplexes: what one writes, the other reads.
function duplexPair(options) {
  const pair = [];
  const side = (index) =>
    new Duplex({
      ...options,
      read() {
        const callback = this._pendingWrite;
        if (!callback) return;
        this._pendingWrite = null;
        callback();
      },
      write(chunk, encoding, callback) {
        const other = pair[1 - index];
        if (chunk.length === 0) return void defer(callback);
        if (other.push(chunk)) callback();
        else other._pendingWrite = callback;
      },
      final(callback) {
        pair[1 - index].push(null);
        callback();
      },
    });
  pair.push(side(0), side(1));
  return pair;
}

const kTransformCallback = Symbol("kTransformCallback");

function Transform(options) {
  if (!(this instanceof Transform)) return new Transform(options);
  // With no readable buffering, do not buffer on the writable side either.
  const readableMark = options ? highWaterMarkOf(options, "readableHighWaterMark", true, false) : null;
  if (readableMark === 0) {
    options = { ...options, highWaterMark: null, readableHighWaterMark: 0, writableHighWaterMark: options.writableHighWaterMark || 0 };
  }
  Duplex.call(this, options);
  this._readableState.sync = false;
  this[kTransformCallback] = null;
  takeMethods(this, options, ["transform", "flush"]);
  this.on("prefinish", function () {
    if (this._final !== transformFinal) transformFinal.call(this);
  });
}
Object.setPrototypeOf(Transform.prototype, Duplex.prototype);
Object.setPrototypeOf(Transform, Duplex);

function transformFinal(callback) {
  const end = (error, data) => {
    if (error) return callback ? callback(error) : this.destroy(error);
    if (data != null) this.push(data);
    this.push(null);
    if (callback) callback();
  };
  if (typeof this._flush === "function" && !this.destroyed) this._flush(end);
  else end();
}
Transform.prototype._final = transformFinal;
Transform.prototype._transform = function () {
  throw errors.notImplemented("_transform()");
};
Transform.prototype._write = function (chunk, encoding, callback) {
  const [r, w, before] = [this._readableState, this._writableState, this._readableState.length];
  this._transform(chunk, encoding, (error, value) => {
    if (error) return callback(error);
    if (value != null) this.push(value);
    // Waits for the reader when the output is full.
    if (r.ended) defer(callback);
    else if (w.ended || before === r.length || r.length < r.highWaterMark) callback();
    else this[kTransformCallback] = callback;
  });
};
Transform.prototype._read = function () {
  const callback = this[kTransformCallback];
  if (!callback) return;
  this[kTransformCallback] = null;
  callback();
};

function PassThrough(options) {
  if (!(this instanceof PassThrough)) return new PassThrough(options);
  Transform.call(this, options);
}
Object.setPrototypeOf(PassThrough.prototype, Transform.prototype);
Object.setPrototypeOf(PassThrough, Transform);
PassThrough.prototype._transform = function (chunk, encoding, callback) {
  callback(null, chunk);
};

// Destroys the stream with an AbortError when the signal aborts.
function addAbortSignal(signal, stream) {
  validateSignal(signal, "signal");
  if (!promised().isNodeStream(stream)) throw errors.argType("stream", "an instance of Stream", stream);
  const onAbort = () => stream.destroy(new AbortError(undefined, { cause: signal.reason }));
  if (signal.aborted) return onAbort(), stream;
  signal.addEventListener("abort", onAbort, { once: true });
  promised().finished(stream, () => signal.removeEventListener("abort", onAbort));
  return stream;
}

module.exports = Stream;
module.exports.Stream = Stream;
module.exports.Readable = Readable;
module.exports.Writable = Writable;
module.exports.Duplex = Duplex;
module.exports.Transform = Transform;
module.exports.PassThrough = PassThrough;
module.exports.duplexPair = duplexPair;
module.exports.addAbortSignal = addAbortSignal;
module.exports.destroy = destroyer;
module.exports.getDefaultHighWaterMark = getDefaultHighWaterMark;
module.exports.setDefaultHighWaterMark = setDefaultHighWaterMark;
module.exports._isUint8Array = isUint8Array;
module.exports._isArrayBufferView = ArrayBuffer.isView;
module.exports._uint8ArrayToBuffer = toBuffer;
// What node:stream/promises needs from here.
Object.defineProperty(module.exports, kInternals, {
  value: { errors, codedError, AbortError, validateFunction, validateSignal, destroyer, kDestroyed },
});
module.exports.promises = require("stream/promises");
module.exports.finished = promised().finished;
module.exports.pipeline = promised().pipeline;
module.exports.isReadable = promised().isReadable;
module.exports.isWritable = promised().isWritable;
module.exports.isErrored = promised().isErrored;
module.exports.isDisturbed = promised().isDisturbed;
module.exports.isDestroyed = promised().isDestroyed;
Readable.isDisturbed = promised().isDisturbed;
