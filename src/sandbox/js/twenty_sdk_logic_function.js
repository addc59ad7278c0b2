// Built-in `twenty-sdk/logic-function`: the parts of Twenty's runtime helpers
// that need no workspace — `Response` (the route response marker),
// `RetryableLogicFunctionError`, `AppConnectionAuthFailedError` and
// `jsonSchemaToInputSchema`. Helpers that talk to a workspace (kv,
// connections, jobs, agents) arrive with the issues that build those
// services; until then calling one throws an error that says so.

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

const notYet = (name) => () => {
  throw new Error(`${name}() from twenty-sdk/logic-function is not available in this switchboard version yet`);
};

export const kv = { get: notYet("kv.get"), set: notYet("kv.set"), delete: notYet("kv.delete") };
export const listConnections = notYet("listConnections");
export const getConnection = notYet("getConnection");
export const reportConnectionAuthFailure = notYet("reportConnectionAuthFailure");
export const runAgent = notYet("runAgent");
export const enqueueJob = notYet("enqueueJob");
export const enqueueJobs = notYet("enqueueJobs");
export const getJobs = notYet("getJobs");
export const createTimelineActivity = notYet("createTimelineActivity");
export const createMessageChannel = notYet("createMessageChannel");
export const listMessageChannels = notYet("listMessageChannels");
export const updateMessageChannel = notYet("updateMessageChannel");
export const deleteMessageChannel = notYet("deleteMessageChannel");
export const ingestMessages = notYet("ingestMessages");
