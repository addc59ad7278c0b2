// Built-in `twenty-sdk/logic-function`: Twenty's runtime helpers —
// `Response` (the route response marker), `RetryableLogicFunctionError`,
// `AppConnectionAuthFailedError`, `jsonSchemaToInputSchema`, the connection
// helpers and `kv`, answered by the gateway (vault and store) through
// `__switchboard_host`. Helpers for jobs, agents, timeline and messaging
// arrive with the issues that build those services; until then calling one
// throws an error that says so.

export class Response {
  constructor(body, init) {
    this.__twentyHttpResponse = true;
    this.body = body;
    this.status = init?.status;
    this.headers = init?.headers;
  }
}

export class RetryableLogicFunctionError extends Error {
  constructor(message) {
    super(message);
    this.name = "RetryableLogicFunctionError";
  }
}

export class AppConnectionAuthFailedError extends Error {
  constructor(connectionId) {
    super(`App connection ${connectionId} requires the user to reconnect (authFailedAt is set). Surface a "Reconnect" prompt in your UI.`);
    this.name = "AppConnectionAuthFailedError";
    this.connectionId = connectionId;
  }
}

const toInputSchemaProperty = (schema) => {
  const property = { type: "unknown" };
  switch (schema?.type) {
    case "string":
    case "boolean":
    case "record":
    case "records":
      property.type = schema.type;
      break;
    case "number":
    case "integer":
      property.type = "number";
      break;
    case "array":
      property.type = "array";
      if (schema.items) property.items = toInputSchemaProperty(schema.items);
      break;
    case "object":
      property.type = "object";
      if (schema.properties) {
        property.properties = Object.fromEntries(
          Object.entries(schema.properties).map(([key, value]) => [key, toInputSchemaProperty(value)]),
        );
      }
      break;
    default:
      break;
  }
  if (Array.isArray(schema?.enum)) property.enum = schema.enum.filter((value) => typeof value === "string");
  if (schema?.multiline === true) property.multiline = true;
  if (typeof schema?.label === "string" && schema.label) property.label = schema.label;
  if (typeof schema?.objectUniversalIdentifier === "string" && schema.objectUniversalIdentifier) {
    property.objectUniversalIdentifier = schema.objectUniversalIdentifier;
  }
  return property;
};

export const jsonSchemaToInputSchema = (schema) => [toInputSchemaProperty(schema)];

export const findConnectionForRequest = (connections, { userWorkspaceId } = {}) =>
  connections.find((connection) => connection.visibility === "user" && connection.userWorkspaceId === userWorkspaceId)
  ?? connections.find((connection) => connection.visibility === "workspace");

const notYet = (name, why) => async () => {
  throw new Error(`${name}() from twenty-sdk/logic-function is not available in switchboard: ${why}`);
};
const MESSAGING = "it needs Twenty's messaging server, which switchboard does not have";

// The access token is a non-enumerable property: `connection.accessToken`
// reads it, but logging the object or returning it from a handler
// (JSON.stringify) leaves it out.
const withHiddenToken = (connection) => {
  const { accessToken, ...rest } = connection;
  Object.defineProperty(rest, "accessToken", { value: accessToken, enumerable: false, writable: false, configurable: true });
  return rest;
};

const host = (name, input) => globalThis.__switchboard_host(name, input);

// Values cross as JSON, as they do to Twenty's API: `undefined` is stored as null.
export const kv = {
  get: async (key, options) => host("kv.get", { key, scope: options?.scope }),
  set: async (key, value, options) => {
    await host("kv.set", { key, value: value === undefined ? null : value, scope: options?.scope });
  },
  delete: async (key, options) => host("kv.delete", { key, scope: options?.scope }),
};

export const listConnections = async (filter = {}) => {
  const connections = await host("connections.list", filter ?? {});
  return connections.map(withHiddenToken);
};

export const getConnection = async (id) => {
  try {
    return withHiddenToken(await host("connections.get", { id }));
  } catch (error) {
    if (error?.name === "AppConnectionAuthFailedError") throw new AppConnectionAuthFailedError(id);
    throw error;
  }
};

export const reportConnectionAuthFailure = async ({ connectionId, reason } = {}) => {
  await host("connections.reportAuthFailure", { connectionId, reason });
};
// Agents run on Twenty's AI server, which switchboard does not have.
export const runAgent = async () => {
  throw new Error(
    "runAgent() needs Twenty's AI server, which switchboard does not have: run the agent from Twenty, or serve it to an MCP client (see the README, 'What switchboard does not do')",
  );
};
// Jobs go on the gateway's durable queue and run like any other trigger.
export const enqueueJobs = async ({ logicFunctionUniversalIdentifier, payloads, jobs, retryLimit, delayMs } = {}) =>
  host("jobs.enqueue", { logicFunctionUniversalIdentifier, payloads, jobs, retryLimit, delayMs });
export const enqueueJob = async ({ logicFunctionUniversalIdentifier, payload, jobId, retryLimit, delayMs } = {}) => {
  const result = await enqueueJobs({ logicFunctionUniversalIdentifier, jobs: [{ payload, jobId }], retryLimit, delayMs });
  return { enqueued: result.enqueued, logicFunctionUniversalIdentifier, jobId: result.jobIds[0] };
};
export const getJobs = async (jobIds) => host("jobs.get", { jobIds });
export const createTimelineActivity = notYet(
  "createTimelineActivity",
  "timeline activity types are not resolved yet; create a timelineActivity record with CoreApiClient instead",
);
export const createMessageChannel = notYet("createMessageChannel", MESSAGING);
export const listMessageChannels = notYet("listMessageChannels", MESSAGING);
export const updateMessageChannel = notYet("updateMessageChannel", MESSAGING);
export const deleteMessageChannel = notYet("deleteMessageChannel", MESSAGING);
export const ingestMessages = notYet("ingestMessages", MESSAGING);
