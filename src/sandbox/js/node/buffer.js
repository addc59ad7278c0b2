// node:buffer, written for switchboard: Buffer as a Uint8Array subclass
// with Node's encodings (utf8, hex, base64, base64url, latin1/binary,
// ascii, utf16le/ucs2) and its read/write methods.
"use strict";

const kMaxLength = 2 ** 32;
const encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8");
const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const BASE64_VALUES = new Int16Array(256).fill(-1);
for (let index = 0; index < 64; index++) {
  BASE64_VALUES[BASE64.charCodeAt(index)] = index;
  BASE64_VALUES[BASE64URL.charCodeAt(index)] = index;
}

function typeError(message, code = "ERR_INVALID_ARG_TYPE") {
  const error = new TypeError(message);
  error.code = code;
  return error;
}

function normalizeEncoding(encoding) {
  if (encoding === undefined || encoding === null || encoding === "") return "utf8";
  switch (String(encoding).toLowerCase()) {
    case "utf8":
    case "utf-8":
      return "utf8";
    case "hex":
      return "hex";
    case "base64":
      return "base64";
    case "base64url":
      return "base64url";
    case "latin1":
    case "binary":
      return "latin1";
    case "ascii":
      return "ascii";
    case "ucs2":
    case "ucs-2":
    case "utf16le":
    case "utf-16le":
      return "utf16le";
    default:
      return undefined;
  }
}

function checkEncoding(encoding) {
  const normalized = normalizeEncoding(encoding);
  if (normalized === undefined) throw typeError(`Unknown encoding: ${encoding}`, "ERR_UNKNOWN_ENCODING");
  return normalized;
}

function encode(text, encoding) {
  switch (encoding) {
    case "utf8":
      return encoder.encode(text);
    case "hex": {
      const length = text.length >>> 1;
      const bytes = new Uint8Array(length);
      let index = 0;
      for (; index < length; index++) {
        const byte = parseInt(text.substr(index * 2, 2), 16);
        if (Number.isNaN(byte) || !/^[0-9a-fA-F]{2}$/.test(text.substr(index * 2, 2))) break;
        bytes[index] = byte;
      }
      return index === length ? bytes : bytes.subarray(0, index);
    }
    case "base64":
    case "base64url": {
      const bytes = new Uint8Array(Math.ceil((text.length * 3) / 4));
      let length = 0;
      let bits = 0;
      let count = 0;
      for (let index = 0; index < text.length; index++) {
        const code = text.charCodeAt(index);
        if (code === 61) break;
        const value = code < 256 ? BASE64_VALUES[code] : -1;
        if (value < 0) continue;
        bits = (bits << 6) | value;
        count += 6;
        if (count >= 8) {
          count -= 8;
          bytes[length++] = (bits >> count) & 0xff;
        }
      }
      return bytes.subarray(0, length);
    }
    case "latin1":
    case "ascii": {
      const bytes = new Uint8Array(text.length);
      for (let index = 0; index < text.length; index++) bytes[index] = text.charCodeAt(index) & 0xff;
      return bytes;
    }
    case "utf16le": {
      const bytes = new Uint8Array(text.length * 2);
      for (let index = 0; index < text.length; index++) {
        const code = text.charCodeAt(index);
        bytes[index * 2] = code & 0xff;
        bytes[index * 2 + 1] = code >> 8;
      }
      return bytes;
    }
  }
  throw typeError(`Unknown encoding: ${encoding}`, "ERR_UNKNOWN_ENCODING");
}

function decode(bytes, encoding) {
  switch (encoding) {
    case "utf8":
      return utf8Decoder.decode(bytes);
    case "hex": {
      let text = "";
      for (let index = 0; index < bytes.length; index++) text += (bytes[index] < 16 ? "0" : "") + bytes[index].toString(16);
      return text;
    }
    case "base64":
    case "base64url": {
      const alphabet = encoding === "base64" ? BASE64 : BASE64URL;
      let text = "";
      let index = 0;
      for (; index + 2 < bytes.length; index += 3) {
        const n = (bytes[index] << 16) | (bytes[index + 1] << 8) | bytes[index + 2];
        text += alphabet[n >> 18] + alphabet[(n >> 12) & 63] + alphabet[(n >> 6) & 63] + alphabet[n & 63];
      }
      const rest = bytes.length - index;
      if (rest > 0) {
        const n = (bytes[index] << 16) | (rest === 2 ? bytes[index + 1] << 8 : 0);
        text += alphabet[n >> 18] + alphabet[(n >> 12) & 63];
        if (rest === 2) text += alphabet[(n >> 6) & 63];
        if (encoding === "base64") text += rest === 2 ? "=" : "==";
      }
      return text;
    }
    case "latin1":
    case "ascii": {
      let text = "";
      const mask = encoding === "ascii" ? 0x7f : 0xff;
      for (let start = 0; start < bytes.length; start += 4096) {
        const chunk = bytes.subarray(start, Math.min(start + 4096, bytes.length));
        text += String.fromCharCode.apply(null, mask === 0xff ? chunk : Array.from(chunk, (byte) => byte & mask));
      }
      return text;
    }
    case "utf16le": {
      let text = "";
      for (let index = 0; index + 1 < bytes.length; index += 2) text += String.fromCharCode(bytes[index] | (bytes[index + 1] << 8));
      return text;
    }
  }
  throw typeError(`Unknown encoding: ${encoding}`, "ERR_UNKNOWN_ENCODING");
}

function clampIndex(value, length, fallback) {
  if (value === undefined) return fallback;
  value = Math.trunc(Number(value)) || 0;
  if (value < 0) return 0;
  return value > length ? length : value;
}

function checkOffset(buffer, offset, size) {
  if (offset === undefined) offset = 0;
  if (typeof offset !== "number" || !Number.isInteger(offset)) {
    throw typeError(`The "offset" argument must be of type number. Received ${typeof offset}`);
  }
  if (offset < 0 || offset + size > buffer.length) {
    const error = new RangeError(`The value of "offset" is out of range. It must be >= 0 and <= ${buffer.length - size}. Received ${offset}`);
    error.code = "ERR_OUT_OF_RANGE";
    throw error;
  }
  return offset;
}

function checkInt(value, min, max) {
  if (typeof value !== "number" || value < min || value > max) {
    const error = new RangeError(`The value of "value" is out of range. It must be >= ${min} and <= ${max}. Received ${value}`);
    error.code = "ERR_OUT_OF_RANGE";
    throw error;
  }
}

class Buffer extends Uint8Array {
  constructor(arg, encodingOrOffset, length) {
    if (typeof arg === "string" || (typeof arg === "object" && arg !== null && !(arg instanceof ArrayBuffer) && !(typeof SharedArrayBuffer !== "undefined" && arg instanceof SharedArrayBuffer))) {
      // The deprecated `new Buffer(value)`.
      return Buffer.from(arg, encodingOrOffset, length);
    }
    if (arg === undefined) super(0);
    else if (typeof arg === "number") super(arg);
    else super(arg, encodingOrOffset, length);
  }

  static from(value, encodingOrOffset, length) {
    if (typeof value === "string") {
      const bytes = encode(value, checkEncoding(encodingOrOffset));
      return new Buffer(bytes.buffer, bytes.byteOffset, bytes.length);
    }
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
      const offset = encodingOrOffset === undefined ? 0 : Number(encodingOrOffset) || 0;
      const size = length === undefined ? value.byteLength - offset : Number(length) || 0;
      if (offset > value.byteLength || offset < 0) {
        throw new RangeError('"offset" is outside of buffer bounds');
      }
      if (offset + size > value.byteLength) throw new RangeError('"length" is outside of buffer bounds');
      return new Buffer(value, offset, size);
    }
    if (ArrayBuffer.isView(value)) {
      const copy = new Buffer(value.length);
      for (let index = 0; index < value.length; index++) copy[index] = value[index] & 0xff;
      return copy;
    }
    if (value !== null && typeof value === "object") {
      if (typeof value.valueOf === "function") {
        const primitive = value.valueOf();
        if (primitive !== value && primitive !== null && primitive !== undefined) return Buffer.from(primitive, encodingOrOffset, length);
      }
      if (value.type === "Buffer" && Array.isArray(value.data)) return Buffer.from(value.data);
      if (typeof value.length === "number") {
        const copy = new Buffer(value.length);
        for (let index = 0; index < value.length; index++) copy[index] = Number(value[index]) & 0xff;
        return copy;
      }
      if (typeof value[Symbol.toPrimitive] === "function") return Buffer.from(value[Symbol.toPrimitive]("string"), encodingOrOffset);
    }
    throw typeError(
      "The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object. Received " +
        (value === null ? "null" : typeof value),
    );
  }

  static alloc(size, fill, encoding) {
    checkSize(size);
    const buffer = new Buffer(size);
    if (fill !== undefined && fill !== 0) buffer.fill(fill, 0, buffer.length, encoding);
    return buffer;
  }

  static allocUnsafe(size) {
    checkSize(size);
    return new Buffer(size);
  }

  static allocUnsafeSlow(size) {
    checkSize(size);
    return new Buffer(size);
  }

  static isBuffer(value) {
    return value instanceof Buffer;
  }

  static isEncoding(encoding) {
    return typeof encoding === "string" && encoding !== "" && normalizeEncoding(encoding) !== undefined;
  }

  static byteLength(value, encoding) {
    if (typeof value !== "string") {
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength;
      throw typeError(`The "string" argument must be of type string or an instance of Buffer or ArrayBuffer. Received ${typeof value}`);
    }
    return encode(value, normalizeEncoding(encoding) || "utf8").length;
  }

  static compare(a, b) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) {
      throw typeError('The "buf1" and "buf2" arguments must be one of type Buffer or Uint8Array');
    }
    const length = Math.min(a.length, b.length);
    for (let index = 0; index < length; index++) {
      if (a[index] !== b[index]) return a[index] < b[index] ? -1 : 1;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }

  static concat(list, totalLength) {
    if (!Array.isArray(list)) throw typeError('The "list" argument must be an instance of Array');
    if (totalLength === undefined) totalLength = list.reduce((sum, item) => sum + item.length, 0);
    const result = Buffer.alloc(totalLength);
    let offset = 0;
    for (const item of list) {
      if (!(item instanceof Uint8Array)) throw typeError('The "list" argument must contain only Buffer or Uint8Array instances');
      const room = Math.min(item.length, totalLength - offset);
      if (offset >= totalLength) break;
      if (room <= 0) continue;
      result.set(room === item.length ? item : item.subarray(0, room), offset);
      offset += room;
    }
    return result;
  }

  toString(encoding, start, end) {
    start = clampIndex(start, this.length, 0);
    end = clampIndex(end, this.length, this.length);
    if (end <= start) return "";
    return decode(this.subarray(start, end), checkEncoding(encoding));
  }

  toLocaleString(encoding, start, end) {
    return this.toString(encoding, start, end);
  }

  toJSON() {
    return { type: "Buffer", data: Array.from(this) };
  }

  equals(other) {
    if (!(other instanceof Uint8Array)) throw typeError('The "otherBuffer" argument must be an instance of Buffer or Uint8Array');
    return Buffer.compare(this, other) === 0;
  }

  compare(target, targetStart = 0, targetEnd = target.length, sourceStart = 0, sourceEnd = this.length) {
    return Buffer.compare(this.subarray(sourceStart, sourceEnd), target.subarray(targetStart, targetEnd));
  }

  copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
    const source = this.subarray(sourceStart, Math.min(sourceEnd, sourceStart + (target.length - targetStart)));
    target.set(source, targetStart);
    return source.length;
  }

  slice(start, end) {
    return this.subarray(start, end);
  }

  write(text, offset, length, encoding) {
    if (typeof offset === "string") {
      encoding = offset;
      offset = 0;
      length = undefined;
    } else if (typeof length === "string") {
      encoding = length;
      length = undefined;
    }
    offset = offset === undefined ? 0 : offset >>> 0;
    const room = this.length - offset;
    length = length === undefined ? room : Math.min(length >>> 0, room);
    let bytes = encode(String(text), checkEncoding(encoding));
    if (bytes.length > length) {
      bytes = bytes.subarray(0, length);
      if (normalizeEncoding(encoding) === "utf8") {
        // Never write part of a character.
        let end = bytes.length;
        let back = end - 1;
        while (back >= 0 && (bytes[back] & 0xc0) === 0x80) back--;
        if (back >= 0) {
          const lead = bytes[back];
          const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
          if (back + size > end) end = back;
        }
        bytes = bytes.subarray(0, end);
      }
    }
    this.set(bytes, offset);
    return bytes.length;
  }

  fill(value, offset = 0, end = this.length, encoding) {
    if (typeof offset === "string") {
      encoding = offset;
      offset = 0;
      end = this.length;
    } else if (typeof end === "string") {
      encoding = end;
      end = this.length;
    }
    if (typeof value === "number") return super.fill(value & 0xff, offset, end);
    if (typeof value === "boolean") return super.fill(Number(value), offset, end);
    const bytes = typeof value === "string" ? encode(value, checkEncoding(encoding)) : value;
    if (bytes.length === 0) return super.fill(0, offset, end);
    for (let index = offset; index < end; index++) this[index] = bytes[(index - offset) % bytes.length];
    return this;
  }

  indexOf(value, byteOffset = 0, encoding) {
    return search(this, value, byteOffset, encoding, false);
  }

  lastIndexOf(value, byteOffset, encoding) {
    return search(this, value, byteOffset, encoding, true);
  }

  includes(value, byteOffset, encoding) {
    return this.indexOf(value, byteOffset, encoding) !== -1;
  }

  swap16() {
    return swap(this, 2);
  }

  swap32() {
    return swap(this, 4);
  }

  swap64() {
    return swap(this, 8);
  }

  get parent() {
    return this.buffer;
  }

  get offset() {
    return this.byteOffset;
  }
}

function checkSize(size) {
  if (typeof size !== "number") throw typeError(`The "size" argument must be of type number. Received ${typeof size}`);
  if (size < 0 || size > kMaxLength || Number.isNaN(size)) {
    const error = new RangeError(`The value of "size" is out of range. It must be >= 0 && <= ${kMaxLength}. Received ${size}`);
    error.code = "ERR_OUT_OF_RANGE";
    throw error;
  }
}

function swap(buffer, size) {
  if (buffer.length % size !== 0) {
    const error = new RangeError(`Buffer size must be a multiple of ${size * 8}-bits`);
    error.code = "ERR_INVALID_BUFFER_SIZE";
    throw error;
  }
  for (let index = 0; index < buffer.length; index += size) {
    for (let low = index, high = index + size - 1; low < high; low++, high--) {
      const byte = buffer[low];
      buffer[low] = buffer[high];
      buffer[high] = byte;
    }
  }
  return buffer;
}

function search(buffer, value, byteOffset, encoding, last) {
  if (typeof byteOffset === "string") {
    encoding = byteOffset;
    byteOffset = undefined;
  }
  let needle;
  if (typeof value === "number") needle = [value & 0xff];
  else if (typeof value === "string") needle = encode(value, checkEncoding(encoding));
  else if (value instanceof Uint8Array) needle = value;
  else throw typeError(`The "value" argument must be one of type number or string or an instance of Buffer or Uint8Array. Received ${typeof value}`);
  const length = buffer.length;
  let start = byteOffset === undefined ? (last ? length - needle.length : 0) : Math.trunc(Number(byteOffset)) || 0;
  if (start < 0) start += length;
  if (needle.length === 0) return last ? Math.min(start, length) : Math.min(Math.max(start, 0), length);
  if (last) {
    for (let index = Math.min(start, length - needle.length); index >= 0; index--) if (matches(buffer, needle, index)) return index;
  } else {
    for (let index = Math.max(start, 0); index + needle.length <= length; index++) if (matches(buffer, needle, index)) return index;
  }
  return -1;
}

function matches(buffer, needle, at) {
  for (let index = 0; index < needle.length; index++) if (buffer[at + index] !== needle[index]) return false;
  return true;
}

// read/write methods over a DataView of the buffer.
const view = (buffer) => new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
const numeric = [
  ["UInt8", 1, "getUint8", "setUint8", 0, 0xff],
  ["Int8", 1, "getInt8", "setInt8", -0x80, 0x7f],
  ["UInt16LE", 2, "getUint16", "setUint16", 0, 0xffff, true],
  ["UInt16BE", 2, "getUint16", "setUint16", 0, 0xffff, false],
  ["Int16LE", 2, "getInt16", "setInt16", -0x8000, 0x7fff, true],
  ["Int16BE", 2, "getInt16", "setInt16", -0x8000, 0x7fff, false],
  ["UInt32LE", 4, "getUint32", "setUint32", 0, 0xffffffff, true],
  ["UInt32BE", 4, "getUint32", "setUint32", 0, 0xffffffff, false],
  ["Int32LE", 4, "getInt32", "setInt32", -0x80000000, 0x7fffffff, true],
  ["Int32BE", 4, "getInt32", "setInt32", -0x80000000, 0x7fffffff, false],
  ["FloatLE", 4, "getFloat32", "setFloat32", -Infinity, Infinity, true],
  ["FloatBE", 4, "getFloat32", "setFloat32", -Infinity, Infinity, false],
  ["DoubleLE", 8, "getFloat64", "setFloat64", -Infinity, Infinity, true],
  ["DoubleBE", 8, "getFloat64", "setFloat64", -Infinity, Infinity, false],
  ["BigUInt64LE", 8, "getBigUint64", "setBigUint64", null, null, true],
  ["BigUInt64BE", 8, "getBigUint64", "setBigUint64", null, null, false],
  ["BigInt64LE", 8, "getBigInt64", "setBigInt64", null, null, true],
  ["BigInt64BE", 8, "getBigInt64", "setBigInt64", null, null, false],
];
for (const [name, size, getter, setter, min, max, little] of numeric) {
  const read = function (offset) {
    offset = checkOffset(this, offset, size);
    return view(this)[getter](offset, little);
  };
  const write = function (value, offset) {
    offset = checkOffset(this, offset, size);
    if (min !== null && Number.isFinite(min)) checkInt(value, min, max);
    view(this)[setter](offset, value, little);
    return offset + size;
  };
  Buffer.prototype["read" + name] = read;
  Buffer.prototype["write" + name] = write;
  if (name.includes("UInt")) {
    Buffer.prototype["read" + name.replace("UInt", "Uint")] = read;
    Buffer.prototype["write" + name.replace("UInt", "Uint")] = write;
  }
}

// Variable-width integers (1 to 6 bytes).
function readVariable(buffer, offset, byteLength, little, signed) {
  checkOffset(buffer, offset, byteLength);
  let value = 0;
  for (let index = 0; index < byteLength; index++) {
    const byte = buffer[offset + (little ? index : byteLength - 1 - index)];
    value += byte * 2 ** (8 * index);
  }
  if (signed && value >= 2 ** (8 * byteLength - 1)) value -= 2 ** (8 * byteLength);
  return value;
}
function writeVariable(buffer, value, offset, byteLength, little, signed) {
  checkOffset(buffer, offset, byteLength);
  const limit = 2 ** (8 * byteLength);
  if (signed) checkInt(value, -limit / 2, limit / 2 - 1);
  else checkInt(value, 0, limit - 1);
  let rest = value < 0 ? value + limit : value;
  for (let index = 0; index < byteLength; index++) {
    buffer[offset + (little ? index : byteLength - 1 - index)] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return offset + byteLength;
}
Buffer.prototype.readUIntLE = Buffer.prototype.readUintLE = function (offset, byteLength) {
  return readVariable(this, offset, byteLength, true, false);
};
Buffer.prototype.readUIntBE = Buffer.prototype.readUintBE = function (offset, byteLength) {
  return readVariable(this, offset, byteLength, false, false);
};
Buffer.prototype.readIntLE = function (offset, byteLength) {
  return readVariable(this, offset, byteLength, true, true);
};
Buffer.prototype.readIntBE = function (offset, byteLength) {
  return readVariable(this, offset, byteLength, false, true);
};
Buffer.prototype.writeUIntLE = Buffer.prototype.writeUintLE = function (value, offset, byteLength) {
  return writeVariable(this, value, offset, byteLength, true, false);
};
Buffer.prototype.writeUIntBE = Buffer.prototype.writeUintBE = function (value, offset, byteLength) {
  return writeVariable(this, value, offset, byteLength, false, false);
};
Buffer.prototype.writeIntLE = function (value, offset, byteLength) {
  return writeVariable(this, value, offset, byteLength, true, true);
};
Buffer.prototype.writeIntBE = function (value, offset, byteLength) {
  return writeVariable(this, value, offset, byteLength, false, true);
};

Object.defineProperty(Buffer, "poolSize", { value: 8192, writable: true, enumerable: true });

function SlowBuffer(size) {
  return Buffer.allocUnsafeSlow(size);
}

function isUtf8(input) {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(input);
    return true;
  } catch {
    return false;
  }
}

function isAscii(input) {
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
  for (let index = 0; index < bytes.length; index++) if (bytes[index] > 0x7f) return false;
  return true;
}

module.exports = {
  Buffer,
  SlowBuffer,
  kMaxLength,
  kStringMaxLength: 2 ** 29 - 24,
  constants: { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: 2 ** 29 - 24 },
  INSPECT_MAX_BYTES: 50,
  atob: (text) => globalThis.atob(text),
  btoa: (text) => globalThis.btoa(text),
  Blob: globalThis.Blob,
  File: globalThis.File,
  isUtf8,
  isAscii,
};
