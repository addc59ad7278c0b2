// Built-in `twenty-sdk/define` (and the older root `twenty-sdk`): the define*
// functions of Twenty's SDK 2.43. Each returns a ValidationResult
// `{ success, config, errors, warnings }` with the same error texts as the
// SDK, so an app written for Twenty is validated the same way here.
// The host prepends `const __SDK_ENUMS__`, `__STANDARD_OBJECT__` and
// `__STANDARD_PAGE_LAYOUT__` (JSON data of the SDK's exported constants).

const isNonEmptyString = (value) => typeof value === "string" && value.length > 0;
const UUID_ANY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_RFC = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/i;

export const createValidationResult = ({ config, errors = [], warnings = [] }) => ({
  success: errors.length === 0,
  config,
  errors,
  warnings,
});

const requireFields = (kind, config, fields) => {
  const errors = [];
  for (const [field, message] of fields) {
    if (!config?.[field]) errors.push(message ?? `${kind} must have a ${field}`);
  }
  return errors;
};

const handlerErrors = (kind, config) => {
  const errors = [];
  if (!config.handler) errors.push(`${kind} must have a handler`);
  if (typeof config.handler !== "function") errors.push(`${kind} handler must be a function`);
  return errors;
};

const APPLICATION_CATEGORIES = [
  "Communication", "Productivity", "Product management", "Sales", "Marketing",
  "Enrichment", "Data", "Search", "Other",
];
const USAGE_OPERATION_TYPES = [
  "AI_CHAT_TOKEN", "AI_WORKFLOW_TOKEN", "WORKFLOW_EXECUTION", "CODE_EXECUTION",
  "WEB_SEARCH", "CALL_RECORDING", "EMAIL_SEND",
];

export const defineApplication = (config) => {
  const errors = [];
  const warnings = [];
  if (!config.universalIdentifier) errors.push("Application must have a universalIdentifier");
  if (!config.displayName || config.displayName.length === 0) {
    errors.push("Application must have a non empty display name");
  }
  for (const [name, variable] of Object.entries(config.applicationVariables ?? {})) {
    const needsOptions = variable.type === "SELECT" || variable.type === "MULTI_SELECT";
    if (needsOptions && !(Array.isArray(variable.options) && variable.options.length > 0)) {
      errors.push(`Application variable "${name}" of type ${variable.type} must define non-empty options`);
    }
    if (variable.isRequired && variable.isDeprecated) {
      warnings.push(`Application variable "${name}" is both required and deprecated. \`isDeprecated\` wins: the variable is excluded from the application configuration check.`);
    }
  }
  const operations = config.billing?.operations ?? {};
  for (const [name, operation] of Object.entries(operations)) {
    if (operation === undefined || operation === null) continue;
    if (!USAGE_OPERATION_TYPES.includes(operation.operationType)) {
      errors.push(`Billable operation "${name}" must map to a known operationType (${USAGE_OPERATION_TYPES.join(", ")})`);
    }
    if (!isNonEmptyString(operation.label)) errors.push(`Billable operation "${name}" must have a non empty label`);
  }
  for (const [name, charge] of Object.entries(config.billing?.recurring ?? {})) {
    if (charge === undefined || charge === null) continue;
    if (charge.period !== "MONTH") errors.push(`Recurring charge "${name}" must have a known period (MONTH)`);
    if (charge.per !== undefined && charge.per !== null && charge.per !== "WORKSPACE_MEMBER") {
      errors.push(`Recurring charge "${name}" must be charged per a known unit (WORKSPACE_MEMBER) or omit \`per\` for a flat fee`);
    }
    if (!Number.isSafeInteger(charge.amountMicroCredits) || charge.amountMicroCredits <= 0) {
      errors.push(`Recurring charge "${name}" must have a positive integer amountMicroCredits`);
    }
    if (!isNonEmptyString(charge.label)) errors.push(`Recurring charge "${name}" must have a non empty label`);
    if (Object.prototype.hasOwnProperty.call(operations, name)) {
      errors.push(`"${name}" is declared both as a recurring charge and as a billable operation. Give them distinct names.`);
    }
  }
  for (const [name, variable] of Object.entries(config.serverVariables ?? {})) {
    if (variable.isRequired && variable.isDeprecated) {
      warnings.push(`Server variable "${name}" is both required and deprecated. \`isDeprecated\` wins: the variable is excluded from the application configuration check.`);
    }
  }
  if (config.defaultRoleUniversalIdentifier) {
    warnings.push("`defaultRoleUniversalIdentifier` on defineApplication() is deprecated. Use defineApplicationRole() in your role file instead.");
  }
  if (isNonEmptyString(config.category) && !APPLICATION_CATEGORIES.includes(config.category)) {
    warnings.push(`Application category "${config.category}" is not a known ApplicationCategory (${APPLICATION_CATEGORIES.join(", ")}). Arbitrary category strings are kept for backward compatibility and may be removed. Ask for a new category at https://github.com/twentyhq/twenty.`);
  }
  // The SDK folds the deprecated asset aliases into `logo` and
  // `galleryImages` and drops external URLs (assets must live in public/).
  const external = (value) => typeof value === "string" && /^https?:\/\//i.test(value);
  let logo = config.logo;
  if (external(logo)) {
    warnings.push(`Logo "${logo}" is an external URL. External asset URLs are no longer supported and are ignored.`);
    logo = undefined;
  }
  if (logo === undefined && config.logoUrl !== undefined && !external(config.logoUrl)) {
    logo = config.logoUrl;
    warnings.push("`logoUrl` is deprecated. Use `logo` to reference an image bundled in your public/ folder.");
  }
  const galleryImages = (config.galleryImages ?? config.screenshots ?? []).filter((image) => {
    if (!external(image)) return true;
    warnings.push(`Gallery image "${image}" is an external URL. External asset URLs are no longer supported and are ignored.`);
    return false;
  });
  const { logoUrl: _logoUrl, screenshots: _screenshots, ...rest } = config;
  return createValidationResult({ config: { ...rest, logo, galleryImages }, errors, warnings });
};

export const defineRole = (config) => {
  const errors = requireFields("Role", config, [["universalIdentifier"], ["label"]]);
  for (const permission of config.objectPermissions ?? []) {
    if (!permission.objectUniversalIdentifier) errors.push("Object permission must have an objectUniversalIdentifier");
  }
  for (const permission of config.fieldPermissions ?? []) {
    if (!permission.objectUniversalIdentifier) errors.push("Field permission must have an objectUniversalIdentifier");
    if (!permission.fieldUniversalIdentifier) errors.push("Field permission must have a fieldUniversalIdentifier");
  }
  const groups = new Set();
  for (const group of config.rowLevelPermissionPredicateGroups ?? []) {
    if (!group.universalIdentifier) {
      errors.push("Row level permission predicate group must have a universalIdentifier");
    } else if (groups.has(group.universalIdentifier)) {
      errors.push(`Duplicate row level permission predicate group universalIdentifier "${group.universalIdentifier}"`);
    } else {
      groups.add(group.universalIdentifier);
    }
    if (!group.objectUniversalIdentifier) errors.push("Row level permission predicate group must have an objectUniversalIdentifier");
    if (!group.logicalOperator) errors.push("Row level permission predicate group must have a logicalOperator");
  }
  const predicates = new Set();
  for (const predicate of config.rowLevelPermissionPredicates ?? []) {
    if (!predicate.universalIdentifier) {
      errors.push("Row level permission predicate must have a universalIdentifier");
    } else if (predicates.has(predicate.universalIdentifier)) {
      errors.push(`Duplicate row level permission predicate universalIdentifier "${predicate.universalIdentifier}"`);
    } else {
      predicates.add(predicate.universalIdentifier);
    }
    if (!predicate.objectUniversalIdentifier) errors.push("Row level permission predicate must have an objectUniversalIdentifier");
    if (!predicate.fieldUniversalIdentifier) errors.push("Row level permission predicate must have a fieldUniversalIdentifier");
    if (!predicate.operand) errors.push("Row level permission predicate must have an operand");
    if (predicate.predicateGroupUniversalIdentifier && !groups.has(predicate.predicateGroupUniversalIdentifier)) {
      errors.push(`Row level permission predicate references unknown predicate group "${predicate.predicateGroupUniversalIdentifier}"`);
    }
  }
  return createValidationResult({ config, errors });
};

export const defineApplicationRole = (config) => defineRole(config);

export const defineLogicFunction = (config) => {
  const errors = requireFields("Logic function", config, [["universalIdentifier"]]);
  errors.push(...handlerErrors("Logic function", config));
  if (config.httpRouteTriggerSettings) {
    if (!config.httpRouteTriggerSettings.path) errors.push("Route trigger must have a path");
    if (!config.httpRouteTriggerSettings.httpMethod) errors.push("Route trigger must have an httpMethod");
  }
  if (config.serverRouteTriggerSettings?.httpMethods?.some((method) => method !== "GET" && method !== "POST")) {
    errors.push("Server route trigger only supports the GET and POST http methods");
  }
  if (config.cronTriggerSettings && !config.cronTriggerSettings.pattern) {
    errors.push("Cron trigger must have a pattern");
  }
  if (config.databaseEventTriggerSettings && !config.databaseEventTriggerSettings.eventName) {
    errors.push("Database event trigger must have an eventName");
  }
  return createValidationResult({ config, errors });
};

const defineHook = (kind) => (config) => {
  const errors = requireFields(kind, config, [["universalIdentifier"]]);
  errors.push(...handlerErrors(kind, config));
  return createValidationResult({ config, errors });
};

export const definePreInstallLogicFunction = defineHook("Pre install logic function");
export const definePostInstallLogicFunction = defineHook("Post install logic function");
export const defineUninstallLogicFunction = defineHook("Uninstall logic function");

export const defineHealthCheck = (config) => {
  const errors = requireFields("Health check", config, [["universalIdentifier"]]);
  if (!config.handler) errors.push("Health check must have a handler");
  else if (typeof config.handler !== "function") errors.push("Health check handler must be a function");
  return createValidationResult({ config, errors });
};

export const defineSkill = (config) => {
  const errors = requireFields("Skill", config, [
    ["universalIdentifier"], ["name"], ["label"], ["content", "Skill must have content"],
  ]);
  return createValidationResult({ config, errors });
};

export const defineAgent = (config) => {
  const errors = requireFields("Agent", config, [
    ["universalIdentifier"], ["name"], ["label"], ["prompt"],
  ]);
  const warnings = [];
  if (!config.responseFormat) {
    warnings.push(`Agent '${config.name}' has no responseFormat, it will default to { type: 'text' }. Set it explicitly to control the agent's output shape.`);
  }
  if (isNonEmptyString(config.roleUniversalIdentifier) && !UUID_RFC.test(config.roleUniversalIdentifier)) {
    errors.push(`Agent '${config.name}' roleUniversalIdentifier must be a valid UUID`);
  }
  return createValidationResult({ config, errors, warnings });
};

const PROVIDER_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;

export const defineConnectionProvider = (config) => {
  const errors = [];
  if (!config.universalIdentifier) {
    errors.push("Connection provider must have a universalIdentifier");
  } else if (!UUID_ANY.test(config.universalIdentifier)) {
    errors.push(`Connection provider universalIdentifier "${config.universalIdentifier}" must be a UUID. Generate one with \`uuidgen\` or any UUID v4 tool.`);
  }
  if (!config.name) {
    errors.push("Connection provider must have a name");
  } else if (!PROVIDER_NAME_PATTERN.test(config.name)) {
    errors.push(`Connection provider name "${config.name}" must match ${PROVIDER_NAME_PATTERN} (used in URLs)`);
  }
  if (!config.displayName) errors.push("Connection provider must have a displayName");
  for (const hookKey of ["onConnectLogicFunction", "onDisconnectLogicFunction"]) {
    const hook = config[hookKey];
    if (hook !== undefined && hook !== null && !UUID_ANY.test(hook.universalIdentifier)) {
      errors.push(`Connection provider ${hookKey}.universalIdentifier "${hook.universalIdentifier}" must be the UUID universalIdentifier of a logic function in this app.`);
    }
  }
  if (!config.type) {
    errors.push("Connection provider must declare a `type` (e.g. 'oauth')");
  } else if (config.type !== "oauth") {
    errors.push(`Connection provider type "${config.type}" is not supported. Supported types: oauth.`);
  }
  if (config.type === "oauth") {
    const oauth = config.oauth;
    if (!oauth) {
      errors.push("Connection provider with type 'oauth' must declare an `oauth` config block");
    } else {
      if (!oauth.authorizationEndpoint) errors.push("OAuth connection provider must have an authorizationEndpoint");
      if (!oauth.tokenEndpoint) errors.push("OAuth connection provider must have a tokenEndpoint");
      if (!oauth.clientIdVariable) errors.push("OAuth connection provider must reference a clientIdVariable (key of a serverVariable on defineApplication)");
      if (!oauth.clientSecretVariable) errors.push("OAuth connection provider must reference a clientSecretVariable (key of a serverVariable on defineApplication)");
      if (!Array.isArray(oauth.scopes)) errors.push("OAuth connection provider must declare a scopes array");
    }
  }
  return createValidationResult({ config, errors });
};

// Data-model and UI entities: switchboard runs no front end and keeps no
// schema of its own yet, so these only check what every entity needs.
const defineGeneric = (kind) => (config) => {
  const errors = requireFields(kind, config, [["universalIdentifier"]]);
  return createValidationResult({ config, errors });
};

export const defineObject = defineGeneric("Object");
export const defineField = defineGeneric("Field");
export const defineIndex = defineGeneric("Index");
export const definePermissionFlag = defineGeneric("Permission flag");
export const defineFrontComponent = defineGeneric("Front component");
export const defineSettingsFrontComponent = defineGeneric("Settings front component");
export const defineView = defineGeneric("View");
export const defineViewField = defineGeneric("View field");
export const defineNavigationMenuItem = defineGeneric("Navigation menu item");
// Page layouts, tabs and widgets, with the SDK's checks and texts.
const widgetErrors = (widget) => {
  const errors = [];
  if (!widget.universalIdentifier) errors.push("PageLayoutWidget must have a universalIdentifier");
  if (!widget.title) errors.push("PageLayoutWidget must have a title");
  if (!widget.type) errors.push("PageLayoutWidget must have a type");
  const header = widget.configuration?.headerCommandMenuItemUniversalIdentifiers;
  if (widget.configuration?.configurationType === "FRONT_COMPONENT" && Array.isArray(header) && header.length > 0) {
    for (const id of header) {
      if (!UUID_ANY.test(id)) errors.push(`PageLayoutWidget header command menu item universalIdentifier "${id}" must be a UUID`);
    }
    if (new Set(header).size !== header.length) errors.push("PageLayoutWidget header command menu item universalIdentifiers must be unique");
  }
  return errors;
};
const tabErrors = (tab) => {
  const errors = [];
  if (!tab.universalIdentifier) errors.push("PageLayoutTab must have a universalIdentifier");
  if (!tab.title) errors.push("PageLayoutTab must have a title");
  for (const widget of tab.widgets ?? []) errors.push(...widgetErrors(widget));
  return errors;
};
export const definePageLayout = (config) => {
  const errors = [];
  if (!config.universalIdentifier) errors.push("PageLayout must have a universalIdentifier");
  if (!config.name) errors.push("PageLayout must have a name");
  if (!config.type) errors.push("PageLayout must have a type");
  for (const tab of config.tabs ?? []) errors.push(...tabErrors(tab));
  return createValidationResult({ config, errors });
};
export const definePageLayoutTab = (config) => {
  const errors = tabErrors(config);
  if (!config.pageLayoutUniversalIdentifier) {
    errors.push("PageLayoutTab must have a pageLayoutUniversalIdentifier when defined standalone (use the parent page layout universalIdentifier)");
  }
  return createValidationResult({ config, errors });
};
export const definePageLayoutWidget = (config) => {
  const errors = widgetErrors(config);
  if (!config.pageLayoutTabUniversalIdentifier) {
    errors.push("PageLayoutWidget must have a pageLayoutTabUniversalIdentifier when defined standalone (use the universalIdentifier of the tab it is added to)");
  }
  if (!config.position) {
    errors.push("PageLayoutWidget must have a position when defined standalone (its tab is not in the manifest, so the layout mode cannot be inferred)");
  }
  return createValidationResult({ config, errors });
};
export const defineCommandMenuItem = defineGeneric("Command menu item");
export const defineTimelineActivityType = defineGeneric("Timeline activity type");
export const defineSettingsMenuItem = defineGeneric("Settings menu item");

export const validateFields = () => [];

export const {
  AggregateOperations, ApplicationHealthStatus, CommandMenuItemAvailabilityType,
  DateDisplayFormat, FieldMetadataSettingsOnClickAction, FieldType, HTTPMethod, IndexType,
  MetadataReadability, MetadataWritability, NavigationMenuItemType, NumberDataType,
  ObjectOpenRecordIn, ObjectRecordGroupByDateGranularity, OnDeleteAction,
  PageLayoutTabLayoutMode, PageLayoutType, PageLayoutWidgetVerticalListHeightBehavior,
  RelationType, RowLevelPermissionPredicateGroupLogicalOperator,
  RowLevelPermissionPredicateOperand, SYSTEM_VIEW_KEYS, SystemPermissionFlag,
  ViewCalendarLayout, ViewFilterGroupLogicalOperator, ViewFilterOperand, ViewKey,
  ViewOpenRecordIn, ViewSortDirection, ViewType, ViewVisibility, WidgetType,
} = __SDK_ENUMS__;

export const STANDARD_OBJECT = __STANDARD_OBJECT__;
export const STANDARD_OBJECT_UNIVERSAL_IDENTIFIERS = STANDARD_OBJECT;
export const STANDARD_PAGE_LAYOUT = __STANDARD_PAGE_LAYOUT__;
export const STANDARD_PAGE_LAYOUT_UNIVERSAL_IDENTIFIERS = STANDARD_PAGE_LAYOUT;

// The names a command's `conditionalAvailabilityExpression` is written in.
// The expression is turned into Twenty's expression language from its
// source text before the file runs (as Twenty's CLI does), so at run time
// these only say that they cannot be used.
const expressionOnly = (name) => {
  const refuse = () => {
    throw new Error(`"${name}" from twenty-sdk can only be used inside a command's conditionalAvailabilityExpression, not at runtime.`);
  };
  return new Proxy(function () {}, {
    get: (_target, key) => (key === "then" || typeof key === "symbol" ? undefined : refuse()),
    apply: refuse,
    construct: refuse,
    has: refuse,
  });
};
export const pageType = expressionOnly("pageType");
export const isInSidePanel = expressionOnly("isInSidePanel");
export const isDashboardPageLayoutInEditMode = expressionOnly("isDashboardPageLayoutInEditMode");
export const isLayoutCustomizationModeEnabled = expressionOnly("isLayoutCustomizationModeEnabled");
export const favoriteRecordIds = expressionOnly("favoriteRecordIds");
export const isSelectAll = expressionOnly("isSelectAll");
export const hasAnySoftDeleteFilterOnView = expressionOnly("hasAnySoftDeleteFilterOnView");
export const numberOfSelectedRecords = expressionOnly("numberOfSelectedRecords");
export const objectPermissions = expressionOnly("objectPermissions");
export const selectedRecords = expressionOnly("selectedRecords");
export const featureFlags = expressionOnly("featureFlags");
export const targetObjectReadPermissions = expressionOnly("targetObjectReadPermissions");
export const targetObjectWritePermissions = expressionOnly("targetObjectWritePermissions");
export const canImpersonate = expressionOnly("canImpersonate");
export const canAccessFullAdminPanel = expressionOnly("canAccessFullAdminPanel");
export const objectMetadataItem = expressionOnly("objectMetadataItem");
export const objectMetadataLabel = expressionOnly("objectMetadataLabel");
export const isDefined = expressionOnly("isDefined");
export const includes = expressionOnly("includes");
export const every = expressionOnly("every");
export const everyDefined = expressionOnly("everyDefined");
export const everyEquals = expressionOnly("everyEquals");
export const some = expressionOnly("some");
export const someDefined = expressionOnly("someDefined");
export const someEquals = expressionOnly("someEquals");
export const none = expressionOnly("none");
export const noneDefined = expressionOnly("noneDefined");
export const noneEquals = expressionOnly("noneEquals");
export const someNonEmptyString = expressionOnly("someNonEmptyString");
export const includesEvery = expressionOnly("includesEvery");
const isNonEmptyStringExpression = expressionOnly("isNonEmptyString");
export { isNonEmptyStringExpression as isNonEmptyString };

// Deterministic universal identifiers, as the SDK derives them: a UUID v5
// of `<namespace>:<value>` in the application's namespace.
const uuidBytes = (uuid) => {
  const hex = String(uuid).replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new TypeError("Invalid UUID");
  const bytes = new Uint8Array(16);
  for (let index = 0; index < 16; index++) bytes[index] = parseInt(hex.substr(index * 2, 2), 16);
  return bytes;
};
const uuidV5 = (name, namespace) => {
  const { createHash } = globalThis.__switchboard_commonjs.requireBuiltin("crypto");
  const { Buffer } = globalThis.__switchboard_commonjs.requireBuiltin("buffer");
  const hash = createHash("sha1").update(Buffer.from(uuidBytes(namespace))).update(name, "utf8").digest();
  const bytes = Uint8Array.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
const derived = (entityNamespace, value, applicationUniversalIdentifier) =>
  uuidV5(`${entityNamespace}:${value}`, applicationUniversalIdentifier);
export const getFieldUniversalIdentifier = ({ applicationUniversalIdentifier, objectUniversalIdentifier, name }) =>
  derived("fieldMetadata", `${objectUniversalIdentifier}:${name}`, applicationUniversalIdentifier);
export const getSystemRelationFieldUniversalIdentifier = ({ applicationUniversalIdentifier, objectUniversalIdentifier, relationTargetObjectUniversalIdentifier }) =>
  derived("fieldMetadata", `${objectUniversalIdentifier}:systemRelation:${relationTargetObjectUniversalIdentifier}`, applicationUniversalIdentifier);
export const getSystemRecordPageLayoutUniversalIdentifier = ({ objectMetadataApplicationUniversalIdentifier, objectUniversalIdentifier }) =>
  derived("pageLayout", objectUniversalIdentifier ? `${objectUniversalIdentifier}:RECORD_PAGE` : "RECORD_PAGE", objectMetadataApplicationUniversalIdentifier);
export const getSystemPageLayoutTabUniversalIdentifier = ({ objectMetadataApplicationUniversalIdentifier, pageLayoutUniversalIdentifier, title }) =>
  derived("pageLayoutTab", `${pageLayoutUniversalIdentifier}:${title}`, objectMetadataApplicationUniversalIdentifier);
export const getSystemViewFieldUniversalIdentifier = ({ fieldMetadataApplicationUniversalIdentifier, viewUniversalIdentifier, fieldMetadataUniversalIdentifier }) =>
  derived("viewField", `${viewUniversalIdentifier}:${fieldMetadataUniversalIdentifier}`, fieldMetadataApplicationUniversalIdentifier);
export const getSystemViewUniversalIdentifier = ({ objectMetadataApplicationUniversalIdentifier, objectUniversalIdentifier, viewKey }) =>
  derived("view", `${objectUniversalIdentifier}:${viewKey}`, objectMetadataApplicationUniversalIdentifier);
