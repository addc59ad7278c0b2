// node:https, written for switchboard: node:http's client with the https:
// protocol and port 443 by default. Requests go through the sandbox's
// fetch, which does the TLS; createServer and Server throw.
"use strict";

const http = require("http");

class Agent extends http.Agent {
  constructor(options) {
    super(options);
    this.defaultPort = 443;
    this.protocol = "https:";
  }
}
const globalAgent = new Agent({ keepAlive: true, scheduling: "lifo", timeout: 5000 });

function request(input, options, callback) {
  if (typeof input === "string" || input instanceof URL) {
    if (typeof options === "function") {
      callback = options;
      options = undefined;
    }
    return new http.ClientRequest(input, { ...options, _defaultAgent: globalAgent }, callback);
  }
  return new http.ClientRequest({ ...input, _defaultAgent: globalAgent }, options);
}

function get(input, options, callback) {
  const req = request(input, options, callback);
  req.end();
  return req;
}

function unavailable(name) {
  const fn = function () {
    const error = new Error(`https.${name} is not available in the switchboard sandbox: app code cannot listen for connections`);
    error.code = "ERR_SANDBOX_UNAVAILABLE";
    throw error;
  };
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

module.exports = {
  Agent,
  globalAgent,
  Server: unavailable("Server"),
  createServer: unavailable("createServer"),
  request,
  get,
};
