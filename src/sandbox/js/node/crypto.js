// node:crypto, written for switchboard: hashes and HMACs (md5, sha1,
// sha224, sha256, sha384, sha512) computed by the host, randomness and
// timingSafeEqual, and WebCrypto as `webcrypto` / `subtle`.
"use strict";

const { Buffer } = require("buffer");

const HASHES = ["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];

function algorithmOf(name) {
  const normalized = typeof name === "string" ? name.toLowerCase().replace(/^rsa-/, "").replace(/^sha-/, "sha") : "";
  if (!HASHES.includes(normalized)) {
    throw new Error(`Digest method not supported: ${name} (switchboard provides ${HASHES.join(", ")})`);
  }
  return normalized;
}

function toBytes(data, encoding, name = "data") {
  if (typeof data === "string") return Buffer.from(data, encoding);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const error = new TypeError(`The "${name}" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${data === null ? "null" : typeof data}`);
  error.code = "ERR_INVALID_ARG_TYPE";
  throw error;
}

function joined(chunks) {
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

function finish(bytes, encoding) {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return encoding === undefined || encoding === "buffer" ? buffer : buffer.toString(encoding);
}

function finished() {
  const error = new Error("Digest already called");
  error.code = "ERR_CRYPTO_HASH_FINALIZED";
  return error;
}

class Hash {
  constructor(algorithm, chunks = []) {
    this._algorithm = algorithmOf(algorithm);
    this._chunks = chunks;
    this._done = false;
  }
  update(data, encoding) {
    if (this._done) throw finished();
    this._chunks.push(Buffer.from(toBytes(data, encoding)));
    return this;
  }
  digest(encoding) {
    if (this._done) throw finished();
    this._done = true;
    return finish(internals.digest(this._algorithm, joined(this._chunks)), encoding);
  }
  copy() {
    if (this._done) throw finished();
    return new Hash(this._algorithm, this._chunks.slice());
  }
}

class Hmac {
  constructor(algorithm, key) {
    this._algorithm = algorithmOf(algorithm);
    this._key = Buffer.from(typeof key === "object" && key !== null && key.type === "secret" && key._bytes ? key._bytes : toBytes(key, undefined, "key"));
    this._chunks = [];
    this._done = false;
  }
  update(data, encoding) {
    if (this._done) throw finished();
    this._chunks.push(Buffer.from(toBytes(data, encoding)));
    return this;
  }
  digest(encoding) {
    if (this._done) throw finished();
    this._done = true;
    return finish(internals.hmac(this._algorithm, this._key, joined(this._chunks)), encoding);
  }
}

function randomBytes(size, callback) {
  if (typeof size !== "number" || size < 0 || size > 2 ** 31 - 1 || !Number.isInteger(size)) {
    const error = new RangeError(`The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received ${size}`);
    error.code = "ERR_OUT_OF_RANGE";
    throw error;
  }
  const bytes = Buffer.alloc(size);
  for (let offset = 0; offset < size; offset += 65536) {
    globalThis.crypto.getRandomValues(bytes.subarray(offset, Math.min(offset + 65536, size)));
  }
  if (typeof callback === "function") {
    queueMicrotask(() => callback(null, bytes));
    return undefined;
  }
  return bytes;
}

function randomInt(min, max, callback) {
  if (max === undefined || typeof max === "function") {
    callback = max;
    max = min;
    min = 0;
  }
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min) {
    const error = new RangeError(`The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
    error.code = "ERR_OUT_OF_RANGE";
    throw error;
  }
  const range = max - min;
  const limit = Math.floor(2 ** 48 / range) * range;
  let value;
  do {
    const bytes = randomBytes(6);
    value = bytes.readUIntBE(0, 6);
  } while (value >= limit);
  const result = min + (value % range);
  if (typeof callback === "function") {
    queueMicrotask(() => callback(null, result));
    return undefined;
  }
  return result;
}

function timingSafeEqual(a, b) {
  const left = toBytes(a, undefined, "buf1");
  const right = toBytes(b, undefined, "buf2");
  if (left.byteLength !== right.byteLength) {
    const error = new RangeError("Input buffers must have the same byte length");
    error.code = "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH";
    throw error;
  }
  let difference = 0;
  for (let index = 0; index < left.byteLength; index++) difference |= left[index] ^ right[index];
  return difference === 0;
}

function createSecretKey(key, encoding) {
  const bytes = Buffer.from(toBytes(key, encoding, "key"));
  return {
    type: "secret",
    symmetricKeySize: bytes.length,
    _bytes: bytes,
    export: () => Buffer.from(bytes),
  };
}

function hash(algorithm, data, outputEncoding = "hex") {
  return new Hash(algorithm).update(data).digest(outputEncoding);
}

module.exports = {
  createHash: (algorithm) => new Hash(algorithm),
  createHmac: (algorithm, key) => new Hmac(algorithm, key),
  hash,
  Hash,
  Hmac,
  getHashes: () => HASHES.slice(),
  randomBytes,
  pseudoRandomBytes: randomBytes,
  randomFillSync: (buffer, offset = 0, size) => {
    const view = new Uint8Array(buffer.buffer || buffer, buffer.byteOffset || 0, buffer.byteLength);
    const end = size === undefined ? view.length : offset + size;
    for (let at = offset; at < end; at += 65536) globalThis.crypto.getRandomValues(view.subarray(at, Math.min(at + 65536, end)));
    return buffer;
  },
  randomInt,
  randomUUID: () => globalThis.crypto.randomUUID(),
  getRandomValues: (array) => globalThis.crypto.getRandomValues(array),
  timingSafeEqual,
  createSecretKey,
  webcrypto: globalThis.crypto,
  subtle: globalThis.crypto.subtle,
  constants: {},
};
