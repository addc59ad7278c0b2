// node:string_decoder, written for switchboard: decodes a byte stream
// without splitting characters across chunks.
"use strict";

const { Buffer } = require("buffer");

const CHARACTER_BYTES = { utf8: 0, utf16le: 2, base64: 3, base64url: 3 };

class StringDecoder {
  constructor(encoding = "utf8") {
    const normalized = String(encoding).toLowerCase().replace("-", "");
    const known = { utf8: "utf8", ucs2: "utf16le", utf16le: "utf16le", latin1: "latin1", binary: "latin1", base64: "base64", base64url: "base64url", hex: "hex", ascii: "ascii" };
    this.encoding = known[normalized];
    if (this.encoding === undefined) {
      const error = new TypeError(`Unknown encoding: ${encoding}`);
      error.code = "ERR_UNKNOWN_ENCODING";
      throw error;
    }
    this._decoder = this.encoding === "utf8" ? new TextDecoder("utf-8") : null;
    this._pending = new Uint8Array(0);
  }

  write(chunk) {
    if (typeof chunk === "string") return chunk;
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this._decoder) return this._decoder.decode(bytes, { stream: true });
    const unit = CHARACTER_BYTES[this.encoding] || 1;
    const all = this._pending.length ? Buffer.concat([this._pending, bytes]) : Buffer.from(bytes);
    const usable = all.length - (all.length % unit);
    this._pending = all.subarray(usable);
    return all.subarray(0, usable).toString(this.encoding);
  }

  end(chunk) {
    let text = chunk === undefined ? "" : this.write(chunk);
    if (this._decoder) {
      text += this._decoder.decode();
    } else if (this._pending.length) {
      text += Buffer.from(this._pending).toString(this.encoding);
      this._pending = new Uint8Array(0);
    }
    return text;
  }
}

module.exports = { StringDecoder };
