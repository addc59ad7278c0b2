// node:stream/promises, written for switchboard: pipeline and finished
// returning promises. This file also holds their callback forms and the
// stream predicates (isReadable, isErrored, ...), which node:stream
// exports. pipeline takes streams, iterables, async iterables and (async
// generator) functions, and in the promise form a last options argument
// with `signal` and `end`.
"use strict";

const kInternals = Symbol.for("switchboard.stream.internals");
// Exported before node:stream is loaded, as node:stream requires this
// module back.
module.exports = { pipeline: promisedPipeline, finished: promisedFinished };
Object.defineProperty(module.exports, kInternals, {
  value: {
    finished, pipeline, pipelineWithOptions, isNodeStream, isIterable, isReadable, isWritable, isErrored, isDisturbed, isDestroyed, isFinished,
  },
});

const streamModule = require("stream");
const nop = () => {};
const defer = (fn, ...args) => process.nextTick(fn, ...args);
const streamInternals = () => streamModule[kInternals];

// ---------------------------------------------------------------------------
// What a value is, as finished and pipeline see it.

function isReadableNodeStream(obj, strict) {
  if (!obj || typeof obj.pipe !== "function" || typeof obj.on !== "function") return false;
  if (strict && (typeof obj.pause !== "function" || typeof obj.resume !== "function")) return false;
  return !obj._writableState || Boolean(obj._readableState && obj._readableState.readable !== false);
}
function isWritableNodeStream(obj) {
  if (!obj || typeof obj.write !== "function" || typeof obj.on !== "function") return false;
  return !obj._readableState || Boolean(obj._writableState && obj._writableState.writable !== false);
}
function isNodeStream(obj) {
  return Boolean(
    obj && (obj._readableState || obj._writableState || (typeof obj.on === "function" && (typeof obj.write === "function" || typeof obj.pipe === "function"))),
  );
}
function isIterable(obj, isAsync) {
  if (obj == null) return false;
  const hasAsync = typeof obj[Symbol.asyncIterator] === "function";
  const hasSync = typeof obj[Symbol.iterator] === "function";
  return isAsync === true ? hasAsync : isAsync === false ? hasSync : hasAsync || hasSync;
}
function isDestroyed(stream) {
  if (!isNodeStream(stream)) return null;
  const state = stream._writableState || stream._readableState;
  return Boolean(stream.destroyed || stream[streamInternals().kDestroyed] || (state && state.destroyed));
}
function isWritableEnded(stream) {
  if (!isWritableNodeStream(stream)) return null;
  if (stream.writableEnded === true) return true;
  const w = stream._writableState;
  if (w && w.errored) return false;
  return w && typeof w.ended === "boolean" ? w.ended : null;
}
function isWritableFinished(stream, strict) {
  if (!isWritableNodeStream(stream)) return null;
  if (stream.writableFinished === true) return true;
  const w = stream._writableState;
  if (w && w.errored) return false;
  if (!w || typeof w.finished !== "boolean") return null;
  return Boolean(w.finished || (strict === false && w.ended === true && w.length === 0));
}
function isReadableFinished(stream, strict) {
  if (!isReadableNodeStream(stream)) return null;
  const r = stream._readableState;
  if (r && r.errored) return false;
  if (!r || typeof r.endEmitted !== "boolean") return null;
  return Boolean(r.endEmitted || (strict === false && r.ended === true && r.length === 0));
}
function isReadable(stream) {
  if (!stream || typeof stream.readable !== "boolean") return null;
  if (isDestroyed(stream)) return false;
  return isReadableNodeStream(stream) && stream.readable && !isReadableFinished(stream);
}
function isWritable(stream) {
  if (!stream || typeof stream.writable !== "boolean") return null;
  if (isDestroyed(stream)) return false;
  return isWritableNodeStream(stream) && stream.writable && !isWritableEnded(stream);
}
function isFinished(stream, options) {
  if (!isNodeStream(stream)) return null;
  if (isDestroyed(stream)) return true;
  if ((!options || options.readable !== false) && isReadable(stream)) return false;
  if ((!options || options.writable !== false) && isWritable(stream)) return false;
  return true;
}
function isClosed(stream) {
  if (!isNodeStream(stream)) return null;
  const [r, w] = [stream._readableState, stream._writableState];
  if ((w && typeof w.closed === "boolean") || (r && typeof r.closed === "boolean")) return Boolean((w && w.closed) || (r && r.closed));
  return null;
}
function erroredWith(stream) {
  if (!isNodeStream(stream)) return null;
  const [r, w] = [stream._readableState, stream._writableState];
  return (w && w.errored) || (r && r.errored) || null;
}
function willEmitClose(stream) {
  if (!isNodeStream(stream)) return false;
  const state = stream._writableState || stream._readableState;
  return Boolean(state && state.autoDestroy && state.emitClose && state.closed === false);
}
function isErrored(stream) {
  if (!stream) return false;
  return [stream._readableState, stream._writableState].some((state) => Boolean(state && (state.errorEmitted || state.errored)));
}
function isDisturbed(stream) {
  return Boolean(stream && (stream.readableDidRead || stream.readableAborted));
}
const isRequest = (stream) => Boolean(stream && stream.setHeader && typeof stream.abort === "function");

// ---------------------------------------------------------------------------
// finished: calls back once the stream has ended, finished, errored or
// closed. Returns a function that removes its listeners.

function finished(stream, options, callback) {
  const { errors, AbortError, validateFunction, validateSignal } = streamInternals();
  if (arguments.length === 2) [callback, options] = [options, {}];
  else if (options == null) options = {};
  else if (typeof options !== "object") throw errors.argType("options", "of type object", options);
  validateFunction(callback, "callback");
  validateSignal(options.signal, "options.signal");
  if (!isNodeStream(stream)) throw errors.argType("stream", "an instance of ReadableStream, WritableStream, or Stream", stream);
  let calledBack = false;
  let done = (...args) => {
    if (calledBack) return;
    calledBack = true;
    callback.apply(stream, args);
  };
  const readable = options.readable ?? isReadableNodeStream(stream);
  const writable = options.writable ?? isWritableNodeStream(stream);
  const [r, w] = [stream._readableState, stream._writableState];
  // A stream that will emit 'close' is done at 'close', not before.
  let emitsClose = willEmitClose(stream) && isReadableNodeStream(stream) === readable && isWritableNodeStream(stream) === writable;
  let writableFinished = isWritableFinished(stream, false);
  let readableFinished = isReadableFinished(stream, false);
  const onlegacyfinish = () => !stream.writable && onfinish();
  const onfinish = () => {
    writableFinished = true;
    if (stream.destroyed) emitsClose = false;
    if (emitsClose && (!stream.readable || readable)) return;
    if (!readable || readableFinished) done();
  };
  const onend = () => {
    readableFinished = true;
    if (stream.destroyed) emitsClose = false;
    if (emitsClose && (!stream.writable || writable)) return;
    if (!writable || writableFinished) done();
  };
  const onerror = (error) => done(error);
  let closed = isClosed(stream);
  const onclose = () => {
    closed = true;
    const error = erroredWith(stream);
    if (error && typeof error !== "boolean") return done(error);
    if (readable && !readableFinished && isReadableNodeStream(stream, true) && !isReadableFinished(stream, false)) return done(errors.prematureClose());
    if (writable && !writableFinished && !isWritableFinished(stream, false)) return done(errors.prematureClose());
    done();
  };
  const onclosed = () => {
    closed = true;
    const error = erroredWith(stream);
    done(error && typeof error !== "boolean" ? error : undefined);
  };
  const onrequest = () => stream.req.on("finish", onfinish);
  if (isRequest(stream)) {
    stream.on("complete", onfinish);
    if (!emitsClose) stream.on("abort", onclose);
    if (stream.req) onrequest();
    else stream.on("request", onrequest);
  } else if (writable && !w) {
    stream.on("end", onlegacyfinish);
    stream.on("close", onlegacyfinish);
  }
  if (!emitsClose && typeof stream.aborted === "boolean") stream.on("aborted", onclose);
  stream.on("end", onend);
  stream.on("finish", onfinish);
  if (options.error !== false) stream.on("error", onerror);
  stream.on("close", onclose);
  if (closed) defer(onclose);
  else if ((w && w.errorEmitted) || (r && r.errorEmitted)) {
    if (!emitsClose) defer(onclosed);
  } else if (
    !readable && (!emitsClose || isReadable(stream)) && (writableFinished || isWritable(stream) === false) && (!w || !w.pendingcb)
  ) {
    defer(onclosed);
  } else if (!writable && (!emitsClose || isWritable(stream)) && (readableFinished || isReadable(stream) === false)) defer(onclosed);
  else if (r && stream.req && stream.aborted) defer(onclosed);

  const cleanup = () => {
    done = nop;
    for (const [event, listener] of [
      ["aborted", onclose], ["complete", onfinish], ["abort", onclose], ["request", onrequest], ["end", onlegacyfinish],
      ["close", onlegacyfinish], ["finish", onfinish], ["end", onend], ["error", onerror], ["close", onclose],
    ]) {
      stream.removeListener(event, listener);
    }
    if (stream.req) stream.req.removeListener("finish", onfinish);
  };
  const signal = options.signal;
  if (signal && !closed) {
    const abort = () => {
      const last = done;
      cleanup();
      last(new AbortError(undefined, { cause: signal.reason }));
    };
    if (signal.aborted) {
      defer(abort);
    } else {
      signal.addEventListener("abort", abort, { once: true });
      const original = done;
      done = (...args) => {
        signal.removeEventListener("abort", abort);
        original(...args);
      };
    }
  }
  return cleanup;
}

// ---------------------------------------------------------------------------
// pipeline: connects streams, iterables and generator functions, destroys
// them all on the first error, and calls back once everything is done.

function pipeline(...streams) {
  const callback = streams.pop();
  streamInternals().validateFunction(callback, "streams[stream.length - 1]");
  let called = false;
  return pipelineWithOptions(streams, (...args) => {
    if (called) return;
    called = true;
    callback(...args);
  });
}

// Destroys a stream of the pipeline unless it finished cleanly.
function destroyerOf(stream, reading, writing) {
  let done = false;
  stream.on("close", () => {
    done = true;
  });
  const cleanup = finished(stream, { readable: reading, writable: writing }, (error) => {
    done = !error;
  });
  return {
    destroy(error) {
      if (done) return;
      done = true;
      streamInternals().destroyer(stream, error || streamInternals().errors.destroyed("pipe"));
    },
    cleanup,
  };
}

// Writes an iterable into a writable stream, waiting for 'drain'.
async function pumpToNode(iterable, writable, finish, end) {
  let error;
  let wake = null;
  const resume = (resumeError) => {
    if (resumeError) error = resumeError;
    const callback = wake;
    wake = null;
    if (callback) callback();
  };
  const wait = () =>
    new Promise((resolve, reject) => {
      if (error) reject(error);
      else wake = () => (error ? reject(error) : resolve());
    });
  writable.on("drain", resume);
  const cleanup = finished(writable, { readable: false }, resume);
  try {
    if (writable.writableNeedDrain) await wait();
    for await (const chunk of iterable) if (!writable.write(chunk)) await wait();
    if (end) {
      writable.end();
      await wait();
    }
    finish();
  } catch (thrown) {
    finish(error !== thrown && error ? error : thrown);
  } finally {
    cleanup();
    writable.off("drain", resume);
  }
}

// Pipes without ending, and ends the destination itself (when asked).
function pipeStreams(source, dest, finish, noteError, end) {
  let ended = false;
  dest.on("close", () => !ended && noteError(streamInternals().errors.prematureClose()));
  source.pipe(dest, { end: false });
  if (end) {
    const endDest = () => {
      ended = true;
      dest.end();
    };
    if (isReadableFinished(source)) defer(endDest);
    else source.once("end", endDest);
  } else {
    finish();
  }
  finished(source, { readable: true, writable: false }, (error) => {
    const r = source._readableState;
    // Ended but not yet 'end': wait for it.
    if (error && error.code === "ERR_STREAM_PREMATURE_CLOSE" && r && r.ended && !r.errored && !r.errorEmitted) source.once("end", finish).once("error", finish);
    else finish(error);
  });
  return finished(dest, { readable: false, writable: true }, finish);
}

function pipelineWithOptions(streams, callback, options) {
  const { errors, AbortError, validateSignal } = streamInternals();
  if (streams.length === 1 && Array.isArray(streams[0])) streams = streams[0];
  if (streams.length < 2) throw errors.missingArgs("streams");
  const outerSignal = options && options.signal;
  validateSignal(outerSignal, "options.signal");
  const controller = new AbortController();
  const signal = controller.signal;
  const abort = () => finishWith(new AbortError(undefined, { cause: outerSignal && outerSignal.reason }));
  if (outerSignal) outerSignal.addEventListener("abort", abort, { once: true });

  let error;
  let value;
  const destroys = [];
  const lastStreamCleanup = [];
  let finishCount = 0;
  const finish = (finishError) => finishWith(finishError, --finishCount === 0);
  const noteError = (finishError) => finishWith(finishError, false);
  function finishWith(finishError, final) {
    if (finishError && (!error || error.code === "ERR_STREAM_PREMATURE_CLOSE")) error = finishError;
    if (!error && !final) return;
    while (destroys.length) destroys.shift()(error);
    if (outerSignal) outerSignal.removeEventListener("abort", abort);
    controller.abort();
    if (!final) return;
    if (!error) lastStreamCleanup.forEach((fn) => fn());
    defer(callback, error, value);
  }

  let current;
  for (let index = 0; index < streams.length; index++) {
    const stream = streams[index];
    const reading = index < streams.length - 1;
    const isLast = !reading;
    const end = reading || !options || options.end !== false;
    if (isNodeStream(stream)) {
      if (end) {
        const { destroy, cleanup } = destroyerOf(stream, reading, index > 0);
        destroys.push(destroy);
        if (isReadable(stream) && isLast) lastStreamCleanup.push(cleanup);
      }
      // Errors after the data has passed still count.
      const onError = (streamError) => {
        if (streamError && streamError.name !== "AbortError" && streamError.code !== "ERR_STREAM_PREMATURE_CLOSE") noteError(streamError);
      };
      stream.on("error", onError);
      if (isReadable(stream) && isLast) lastStreamCleanup.push(() => stream.removeListener("error", onError));
    }
    if (index === 0) {
      if (typeof stream === "function") {
        current = stream({ signal });
        if (!isIterable(current)) throw errors.returnValue("Iterable, AsyncIterable or Stream", "source", current);
      } else if (isIterable(stream) || isReadableNodeStream(stream)) {
        current = stream;
      } else {
        throw errors.argType("source", "of type Stream, Iterable or AsyncIterable", stream);
      }
    } else if (typeof stream === "function") {
      current = stream(current, { signal });
      if (reading) {
        if (!isIterable(current, true)) throw errors.returnValue("AsyncIterable", `transform[${index - 1}]`, current);
        continue;
      }
      // The last function: its promise's value, or what it yields, goes
      // through a PassThrough.
      const output = new streamModule.PassThrough({ objectMode: true });
      const result = current;
      if (result && typeof result.then === "function") {
        finishCount++;
        result.then(
          (resolved) => {
            value = resolved;
            if (resolved != null) output.write(resolved);
            if (end) output.end();
            defer(finish);
          },
          (rejection) => {
            output.destroy(rejection);
            defer(finish, rejection);
          },
        );
      } else if (isIterable(result, true)) {
        finishCount++;
        pumpToNode(result, output, finish, end);
      } else {
        throw errors.returnValue("AsyncIterable or Promise", "destination", result);
      }
      current = output;
      const { destroy, cleanup } = destroyerOf(current, false, true);
      destroys.push(destroy);
      if (isLast) lastStreamCleanup.push(cleanup);
    } else if (isNodeStream(stream)) {
      if (isReadableNodeStream(current)) {
        finishCount += 2;
        const cleanup = pipeStreams(current, stream, finish, noteError, end);
        if (isReadable(stream) && isLast) lastStreamCleanup.push(cleanup);
      } else if (isIterable(current)) {
        finishCount++;
        pumpToNode(current, stream, finish, end);
      } else {
        throw errors.argType("val", "of type Readable, Iterable or AsyncIterable", current);
      }
      current = stream;
    } else {
      throw errors.argType(`streams[${index}]`, "of type Stream or function", stream);
    }
  }
  if (signal.aborted || (outerSignal && outerSignal.aborted)) defer(abort);
  return current;
}

// util.promisify(pipeline) and util.promisify(finished) give the promise forms.
const customPromisify = Symbol.for("nodejs.util.promisify.custom");
Object.defineProperty(pipeline, customPromisify, { enumerable: true, get: () => promisedPipeline });
Object.defineProperty(finished, customPromisify, { enumerable: true, get: () => promisedFinished });

// ---------------------------------------------------------------------------
// The promise forms.

function promisedPipeline(...streams) {
  return new Promise((resolve, reject) => {
    let options;
    const last = streams[streams.length - 1];
    if (last && typeof last === "object" && !isNodeStream(last) && !isIterable(last)) {
      const { signal, end } = streams.pop();
      options = { signal, end };
    }
    pipelineWithOptions(streams, (error, value) => (error ? reject(error) : resolve(value)), options);
  });
}

function promisedFinished(target, options) {
  const cleanupAfter = Boolean(options && options.cleanup);
  return new Promise((resolve, reject) => {
    const cleanup = finished(target, options, (error) => {
      if (cleanupAfter) cleanup();
      if (error) reject(error);
      else resolve();
    });
  });
}
