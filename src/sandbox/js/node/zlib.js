// node:zlib, written for switchboard: the synchronous, callback and
// promisified forms of deflate, inflate, gzip, gunzip, unzip, raw deflate
// and brotli, computed by the host. Compressed bytes can differ from Node's
// (another deflate implementation) and decompress to the same data. The
// stream classes (createGzip, ...) are Transform streams that collect their
// input and run the synchronous function on all of it in _flush: their
// output comes at the end of the input, not incrementally, and flush()
// and params() change nothing.
"use strict";

const { Buffer } = require("buffer");

const constants = {
  Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5,
  Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_BUF_ERROR: -5,
  Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1,
  Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3, Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0,
  BROTLI_OPERATION_PROCESS: 0, BROTLI_OPERATION_FLUSH: 1, BROTLI_OPERATION_FINISH: 2,
  BROTLI_PARAM_MODE: 0, BROTLI_PARAM_QUALITY: 1, BROTLI_PARAM_LGWIN: 2, BROTLI_PARAM_SIZE_HINT: 5,
  BROTLI_MIN_QUALITY: 0, BROTLI_MAX_QUALITY: 11, BROTLI_DEFAULT_QUALITY: 11,
};

function input(data, name) {
  if (typeof data === "string") return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const error = new TypeError(`The "buffer" argument must be of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer. Received ${data === null ? "null" : typeof data}`);
  error.code = "ERR_INVALID_ARG_TYPE";
  throw error;
}

function levelOf(name, options) {
  if (name.startsWith("brotli")) {
    const params = options && options.params;
    const quality = params && params[constants.BROTLI_PARAM_QUALITY];
    return typeof quality === "number" ? quality : -1;
  }
  return options && typeof options.level === "number" ? options.level : -1;
}

function run(name, data, options) {
  const bytesIn = input(data, name);
  let bytes;
  try {
    bytes = internals.zlib(name, bytesIn, levelOf(name, options));
  } catch (error) {
    if (error instanceof RangeError) throw error;
    const failure = new Error(/invalid|corrupt|header|unexpected end|eof/i.test(error.message) ? "incorrect header check" : error.message);
    failure.errno = constants.Z_DATA_ERROR;
    failure.code = "Z_DATA_ERROR";
    throw failure;
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const NAMES = ["deflate", "deflateRaw", "gzip", "inflate", "inflateRaw", "gunzip", "unzip", "brotliCompress", "brotliDecompress"];
const exported = {};
for (const name of NAMES) {
  const sync = (data, options) => run(name + "Sync", data, options);
  exported[name + "Sync"] = sync;
  exported[name] = (data, options, callback) => {
    if (typeof options === "function") {
      callback = options;
      options = undefined;
    }
    let result;
    let failure = null;
    try {
      result = sync(data, options);
    } catch (error) {
      failure = error;
    }
    queueMicrotask(() => (failure ? callback(failure) : callback(null, result)));
  };
}

// A zlib stream: a Transform that buffers its input and converts it all at
// the end, in chunks of chunkSize bytes.
const STREAMS = {
  Deflate: "deflate", Inflate: "inflate", Gzip: "gzip", Gunzip: "gunzip", DeflateRaw: "deflateRaw",
  InflateRaw: "inflateRaw", Unzip: "unzip", BrotliCompress: "brotliCompress", BrotliDecompress: "brotliDecompress",
};
let Transform = null;
const classes = {};
function zlibClass(className) {
  if (classes[className]) return classes[className];
  if (Transform === null) Transform = require("stream").Transform;
  const operation = STREAMS[className];
  const ZlibStream = class extends Transform {
    constructor(options) {
      super({ ...options, objectMode: false, readableObjectMode: false, writableObjectMode: false });
      this._zlibOptions = options;
      this._input = [];
      this.bytesWritten = 0;
      this._chunkSize = (options && options.chunkSize) || 16 * 1024;
    }
    _transform(chunk, encoding, callback) {
      this._input.push(chunk);
      this.bytesWritten += chunk.length;
      callback();
    }
    _flush(callback) {
      let output;
      try {
        output = run(operation + "Sync", Buffer.concat(this._input), this._zlibOptions);
      } catch (error) {
        callback(error);
        return;
      }
      this._input = [];
      for (let offset = 0; offset < output.length; offset += this._chunkSize) {
        this.push(output.subarray(offset, offset + this._chunkSize));
      }
      callback();
    }
    flush(kind, callback) {
      if (typeof kind === "function") callback = kind;
      if (typeof callback === "function") process.nextTick(callback);
    }
    params(level, strategy, callback) {
      if (typeof callback === "function") process.nextTick(callback);
    }
    reset() {}
    close(callback) {
      if (typeof callback === "function") process.nextTick(callback);
      this.destroy();
    }
  };
  Object.defineProperty(ZlibStream, "name", { value: className });
  classes[className] = ZlibStream;
  return ZlibStream;
}

// Constructors callable without new, as Node's are.
function streamConstructor(className) {
  const construct = function (options) {
    return new (zlibClass(className))(options);
  };
  Object.defineProperty(construct, "name", { value: className });
  Object.defineProperty(construct, Symbol.hasInstance, { value: (object) => object instanceof zlibClass(className) });
  return construct;
}

module.exports = {
  constants,
  deflate: exported.deflate,
  deflateSync: exported.deflateSync,
  deflateRaw: exported.deflateRaw,
  deflateRawSync: exported.deflateRawSync,
  gzip: exported.gzip,
  gzipSync: exported.gzipSync,
  inflate: exported.inflate,
  inflateSync: exported.inflateSync,
  inflateRaw: exported.inflateRaw,
  inflateRawSync: exported.inflateRawSync,
  gunzip: exported.gunzip,
  gunzipSync: exported.gunzipSync,
  unzip: exported.unzip,
  unzipSync: exported.unzipSync,
  brotliCompress: exported.brotliCompress,
  brotliCompressSync: exported.brotliCompressSync,
  brotliDecompress: exported.brotliDecompress,
  brotliDecompressSync: exported.brotliDecompressSync,
  createGzip: (options) => new (zlibClass("Gzip"))(options),
  Gzip: streamConstructor("Gzip"),
  createGunzip: (options) => new (zlibClass("Gunzip"))(options),
  Gunzip: streamConstructor("Gunzip"),
  createDeflate: (options) => new (zlibClass("Deflate"))(options),
  Deflate: streamConstructor("Deflate"),
  createInflate: (options) => new (zlibClass("Inflate"))(options),
  Inflate: streamConstructor("Inflate"),
  createDeflateRaw: (options) => new (zlibClass("DeflateRaw"))(options),
  DeflateRaw: streamConstructor("DeflateRaw"),
  createInflateRaw: (options) => new (zlibClass("InflateRaw"))(options),
  InflateRaw: streamConstructor("InflateRaw"),
  createUnzip: (options) => new (zlibClass("Unzip"))(options),
  Unzip: streamConstructor("Unzip"),
  createBrotliCompress: (options) => new (zlibClass("BrotliCompress"))(options),
  BrotliCompress: streamConstructor("BrotliCompress"),
  createBrotliDecompress: (options) => new (zlibClass("BrotliDecompress"))(options),
  BrotliDecompress: streamConstructor("BrotliDecompress"),
  crc32: (data, value = 0) => {
    let crc = ~value >>> 0;
    for (const byte of input(data, "data")) {
      crc ^= byte;
      for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
    }
    return ~crc >>> 0;
  },
};
