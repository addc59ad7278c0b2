// node:crypto, written for switchboard: hashes and HMACs (md5, sha1,
// sha224, sha256, sha384, sha512), AES ciphers (cbc, ctr, gcm), PBKDF2 and
// scrypt computed by the host, randomness and timingSafeEqual, and
// WebCrypto as `webcrypto` / `subtle`.
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

// Hash and Hmac collect their input and compute at digest().
class Digest {
  constructor(algorithm, chunks) {
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
    return finish(this._compute(joined(this._chunks)), encoding);
  }
}

class Hash extends Digest {
  constructor(algorithm, chunks = []) {
    super(algorithm, chunks);
  }
  _compute(bytes) {
    return internals.digest(this._algorithm, bytes);
  }
  copy() {
    if (this._done) throw finished();
    return new Hash(this._algorithm, this._chunks.slice());
  }
}

class Hmac extends Digest {
  constructor(algorithm, key) {
    super(algorithm, []);
    this._key = Buffer.from(keyBytes(key));
  }
  _compute(bytes) {
    return internals.hmac(this._algorithm, this._key, bytes);
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

const CIPHERS = ["aes-128-cbc", "aes-128-ctr", "aes-128-gcm", "aes-192-cbc", "aes-192-ctr", "aes-192-gcm", "aes-256-cbc", "aes-256-ctr", "aes-256-gcm"];
const EMPTY = new Uint8Array(0);

function keyBytes(key) {
  if (typeof key === "object" && key !== null && key.type === "secret" && key._bytes) return key._bytes;
  return toBytes(key, undefined, "key");
}

// A cipher collects its input and runs once, at final(): update() returns
// an empty result, and final() everything (concatenated, the same bytes).
class Cipheriv {
  constructor(algorithm, key, iv, encrypt) {
    this._algorithm = String(algorithm).toLowerCase();
    if (!CIPHERS.includes(this._algorithm)) {
      const error = new Error(`Invalid cipher: ${algorithm} (switchboard provides ${CIPHERS.join(", ")})`);
      error.code = "ERR_CRYPTO_UNKNOWN_CIPHER";
      throw error;
    }
    this._key = Buffer.from(keyBytes(key));
    this._iv = iv === null ? Buffer.alloc(0) : Buffer.from(toBytes(iv, undefined, "iv"));
    if (this._key.length !== Number(this._algorithm.split("-")[1]) / 8) {
      const error = new RangeError("Invalid key length");
      error.code = "ERR_CRYPTO_INVALID_KEYLEN";
      throw error;
    }
    if (!this._algorithm.endsWith("gcm") && this._iv.length !== 16) {
      const error = new TypeError("Invalid initialization vector");
      error.code = "ERR_CRYPTO_INVALID_IV";
      throw error;
    }
    this._encrypt = encrypt;
    this._chunks = [];
    this._aad = EMPTY;
    this._tag = EMPTY;
    this._authTag = undefined;
    this._padding = true;
    this._done = false;
  }
  update(data, inputEncoding, outputEncoding) {
    if (this._done) throw stateError();
    this._chunks.push(Buffer.from(toBytes(data, inputEncoding)));
    return outputEncoding === undefined || outputEncoding === "buffer" ? Buffer.alloc(0) : "";
  }
  final(outputEncoding) {
    if (this._done) throw stateError();
    this._done = true;
    const gcm = this._algorithm.endsWith("gcm");
    let out;
    try {
      out = internals.cipher(this._algorithm, this._encrypt, this._key, this._iv, joinedOrEmpty(this._chunks), this._aad, this._tag, this._padding);
    } catch (error) {
      // OpenSSL's codes for the padding failures, as Node reports them.
      const codes = { "bad decrypt": "ERR_OSSL_BAD_DECRYPT", "wrong final block length": "ERR_OSSL_WRONG_FINAL_BLOCK_LENGTH", "data not multiple of block length": "ERR_OSSL_DATA_NOT_MULTIPLE_OF_BLOCK_LENGTH" };
      if (codes[error.message] !== undefined) error.code = codes[error.message];
      throw error;
    }
    if (gcm && this._encrypt) {
      this._authTag = Buffer.from(out.subarray(out.length - 16));
      out = out.subarray(0, out.length - 16);
    }
    return finish(out, outputEncoding);
  }
  setAAD(data) {
    this._aad = Buffer.from(toBytes(data, undefined, "buffer"));
    return this;
  }
  setAuthTag(tag) {
    this._tag = Buffer.from(toBytes(tag, undefined, "buffer"));
    return this;
  }
  getAuthTag() {
    if (this._authTag === undefined) {
      const error = new Error("Invalid state for operation getAuthTag");
      error.code = "ERR_CRYPTO_INVALID_STATE";
      throw error;
    }
    return this._authTag;
  }
  setAutoPadding(padding = true) {
    this._padding = Boolean(padding);
    return this;
  }
}

function joinedOrEmpty(chunks) {
  return chunks.length === 0 ? EMPTY : joined(chunks);
}

function stateError() {
  const error = new Error("Unsupported state");
  error.code = "ERR_CRYPTO_INVALID_STATE";
  return error;
}

function digestName(digest) {
  return algorithmOf(digest);
}

function pbkdf2Sync(password, salt, iterations, keylen, digest) {
  if (!Number.isInteger(iterations) || iterations < 1) {
    const error = new RangeError(`The value of "iterations" is out of range. It must be >= 1 && <= 2147483647. Received ${iterations}`);
    error.code = "ERR_OUT_OF_RANGE";
    throw error;
  }
  if (!Number.isInteger(keylen) || keylen < 0) {
    const error = new RangeError(`The value of "keylen" is out of range. It must be >= 0 && <= 2147483647. Received ${keylen}`);
    error.code = "ERR_OUT_OF_RANGE";
    throw error;
  }
  const bytes = internals.pbkdf2(digestName(digest), toBytes(password, undefined, "password"), toBytes(salt, undefined, "salt"), iterations, keylen);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function scryptSync(password, salt, keylen, options = {}) {
  const n = options.N ?? options.cost ?? 16384;
  const r = options.r ?? options.blockSize ?? 8;
  const p = options.p ?? options.parallelization ?? 1;
  const bytes = internals.scrypt(toBytes(password, undefined, "password"), toBytes(salt, undefined, "salt"), n, r, p, keylen);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function callbackForm(sync) {
  return (...args) => {
    const callback = args.pop();
    let result;
    let failure = null;
    try {
      result = sync(...args);
    } catch (error) {
      failure = error;
    }
    queueMicrotask(() => (failure ? callback(failure) : callback(null, result)));
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
  createCipheriv: (algorithm, key, iv) => new Cipheriv(algorithm, key, iv, true),
  createDecipheriv: (algorithm, key, iv) => new Cipheriv(algorithm, key, iv, false),
  getCiphers: () => CIPHERS.slice(),
  pbkdf2Sync,
  pbkdf2: callbackForm(pbkdf2Sync),
  scryptSync,
  scrypt: callbackForm(scryptSync),
  webcrypto: globalThis.crypto,
  subtle: globalThis.crypto.subtle,
  constants: {},
};
