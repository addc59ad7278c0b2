//! The workspace's data model: Twenty's standard objects (person, company,
//! opportunity, note, task, workspaceMember with their main fields here, the
//! other 33 of a new 2.43 workspace from `standard.rs`), plus
//! the objects and fields the served apps declare (`defineObject`,
//! `defineField`). Field types follow Twenty's `FieldMetadataType`;
//! composite types know their subfields and the values a new record gets.

use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Twenty's field types this workspace stores and checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Uuid,
    Text,
    Number,
    Numeric,
    Boolean,
    DateTime,
    Date,
    Select,
    MultiSelect,
    Rating,
    Array,
    RawJson,
    Position,
    /// The foreign key of a many-to-one relation (`companyId`).
    RelationId,
    FullName,
    Emails,
    Phones,
    Links,
    Address,
    Currency,
    Actor,
    RichText,
}

impl FieldType {
    /// The type for a `FieldMetadataType` name, if stored here.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "UUID" => Self::Uuid,
            "TEXT" => Self::Text,
            "NUMBER" => Self::Number,
            "NUMERIC" => Self::Numeric,
            "BOOLEAN" => Self::Boolean,
            "DATE_TIME" => Self::DateTime,
            "DATE" => Self::Date,
            "SELECT" => Self::Select,
            "MULTI_SELECT" => Self::MultiSelect,
            "RATING" => Self::Rating,
            "ARRAY" => Self::Array,
            "RAW_JSON" => Self::RawJson,
            "POSITION" => Self::Position,
            "FULL_NAME" => Self::FullName,
            "EMAILS" => Self::Emails,
            "PHONES" => Self::Phones,
            "LINKS" => Self::Links,
            "ADDRESS" => Self::Address,
            "CURRENCY" => Self::Currency,
            "ACTOR" => Self::Actor,
            "RICH_TEXT" | "RICH_TEXT_V2" => Self::RichText,
            _ => return None,
        })
    }

    /// Twenty's name of the type.
    pub fn name(self) -> &'static str {
        match self {
            Self::Uuid | Self::RelationId => "UUID",
            Self::Text => "TEXT",
            Self::Number => "NUMBER",
            Self::Numeric => "NUMERIC",
            Self::Boolean => "BOOLEAN",
            Self::DateTime => "DATE_TIME",
            Self::Date => "DATE",
            Self::Select => "SELECT",
            Self::MultiSelect => "MULTI_SELECT",
            Self::Rating => "RATING",
            Self::Array => "ARRAY",
            Self::RawJson => "RAW_JSON",
            Self::Position => "POSITION",
            Self::FullName => "FULL_NAME",
            Self::Emails => "EMAILS",
            Self::Phones => "PHONES",
            Self::Links => "LINKS",
            Self::Address => "ADDRESS",
            Self::Currency => "CURRENCY",
            Self::Actor => "ACTOR",
            Self::RichText => "RICH_TEXT",
        }
    }

    /// The subfields of a composite type, with their kinds.
    pub fn subfields(self) -> &'static [(&'static str, Sub)] {
        match self {
            Self::FullName => &[("firstName", Sub::Text), ("lastName", Sub::Text)],
            Self::Emails => &[("primaryEmail", Sub::Text), ("additionalEmails", Sub::Json)],
            Self::Phones => &[
                ("primaryPhoneNumber", Sub::Text),
                ("primaryPhoneCountryCode", Sub::Text),
                ("primaryPhoneCallingCode", Sub::Text),
                ("additionalPhones", Sub::Json),
            ],
            Self::Links => &[("primaryLinkUrl", Sub::Text), ("primaryLinkLabel", Sub::Text), ("secondaryLinks", Sub::Json)],
            Self::Address => &[
                ("addressStreet1", Sub::Text),
                ("addressStreet2", Sub::Text),
                ("addressCity", Sub::Text),
                ("addressPostcode", Sub::Text),
                ("addressState", Sub::Text),
                ("addressCountry", Sub::Text),
                ("addressLat", Sub::Number),
                ("addressLng", Sub::Number),
            ],
            Self::Currency => &[("amountMicros", Sub::Number), ("currencyCode", Sub::Text)],
            Self::Actor => &[("source", Sub::Text), ("workspaceMemberId", Sub::Text), ("name", Sub::Text), ("context", Sub::Json)],
            Self::RichText => &[("blocknote", Sub::Text), ("markdown", Sub::Text)],
            _ => &[],
        }
    }

    pub fn is_composite(self) -> bool {
        !self.subfields().is_empty()
    }

    /// The value a new record gets when the field is not given.
    fn empty(self) -> Value {
        if self.is_composite() {
            let mut object = Map::new();
            for (name, sub) in self.subfields() {
                let value = match (self, *sub) {
                    (Self::Actor, _) if *name == "source" => json!("API"),
                    (Self::Actor, _) if *name == "context" => json!({}),
                    (Self::Actor, _) if *name == "workspaceMemberId" => Value::Null,
                    (Self::RichText, _) => Value::Null,
                    (_, Sub::Text) => json!(""),
                    _ => Value::Null,
                };
                object.insert((*name).to_owned(), value);
            }
            return Value::Object(object);
        }
        Value::Null
    }
}

/// What a composite subfield holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sub {
    Text,
    Number,
    Json,
}

/// One field of an object.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub universal_identifier: String,
    pub field_type: FieldType,
    pub label: String,
    pub nullable: bool,
    /// Allowed values of a SELECT or MULTI_SELECT field.
    pub options: Vec<String>,
    /// What a new record gets when the field is not given.
    pub default: Value,
    /// For a relation's foreign key (`companyId`): the relation's name
    /// (`company`) and the target object's singular name.
    pub relation: Option<(String, String)>,
    /// For a relation's foreign key: the name of the one-to-many side on
    /// the target object (`people` on company for `person.companyId`).
    pub inverse: Option<String>,
    /// Set by the workspace (id, createdAt, ...), never written by callers.
    pub system: bool,
}

/// One object (a record type).
#[derive(Debug, Clone)]
pub struct Object {
    pub name_singular: String,
    pub name_plural: String,
    pub label_singular: String,
    pub label_plural: String,
    pub universal_identifier: String,
    pub is_custom: bool,
    pub fields: Vec<Field>,
    /// The app that declared it; `None` for standard objects.
    pub app: Option<String>,
}

impl Object {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.name == name)
    }

    pub fn field_names(&self) -> String {
        self.fields.iter().map(|field| field.name.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// The name of the type in the GraphQL schema (`Company`, `WorkspaceMember`).
    pub fn type_name(&self) -> String {
        pascal(&self.name_singular)
    }

    /// Twenty's `SimplifiedFlatObjectMetadata`-like view, for events.
    pub fn metadata(&self) -> Value {
        json!({
            "id": self.universal_identifier,
            "universalIdentifier": self.universal_identifier,
            "nameSingular": self.name_singular,
            "namePlural": self.name_plural,
            "labelSingular": self.label_singular,
            "labelPlural": self.label_plural,
            "isCustom": self.is_custom,
            "isSystem": false,
            "isActive": true,
            "fieldUniversalIdentifiers": self.fields.iter().map(|field| field.universal_identifier.clone()).collect::<Vec<_>>(),
        })
    }
}

/// `companyName` → `CompanyName`.
pub fn pascal(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// Twenty's default for a date field set to the record's creation time.
pub const NOW: &str = "now";

/// Problems in an app's object or field declarations.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `entity` is the universalIdentifier of the declaration at fault,
    /// when it has one (to name its file); `field` the path inside it.
    #[error("{what}: {message}")]
    Invalid { what: String, message: String, entity: Option<String>, field: String },
}

fn invalid(what: impl Into<String>, message: impl Into<String>) -> Error {
    let what = what.into();
    // `app X: objects[0].fields[1].name` → the part after the index path.
    let field = what.split_once("].").map(|(_, rest)| rest.to_owned()).unwrap_or_default();
    Error::Invalid { what, message: message.into(), entity: None, field }
}

/// Names the declaration an error is about.
fn within(error: Error, declaration: &Value) -> Error {
    match error {
        Error::Invalid { what, message, field, .. } => Error::Invalid {
            what,
            message,
            field,
            entity: declaration.get("universalIdentifier").and_then(Value::as_str).map(str::to_owned),
        },
    }
}

/// GraphQL type names the schema defines itself; an object's type name
/// (its singular name, capitalized) may not be one of them.
const RESERVED_TYPES: &[&str] = &[
    "Query",
    "Mutation",
    "Subscription",
    "PageInfo",
    "UUID",
    "DateTime",
    "Date",
    "RawJSON",
    "BigFloat",
    "ConnectionCursor",
    "OrderByDirection",
    "FilterIs",
    "String",
    "Int",
    "Float",
    "Boolean",
    "ID",
    "FullName",
    "Emails",
    "Phones",
    "Links",
    "Address",
    "Currency",
    "Actor",
    "RichText",
];

/// Endings of the types built per object and per composite type.
const RESERVED_ENDINGS: &[&str] = &["Edge", "Connection", "Input", "Filter"];

/// Field names with a meaning of their own in filters.
const RESERVED_FIELDS: &[&str] = &["and", "or", "not"];

/// The whole data model: every object by singular name.
#[derive(Debug, Clone, Default)]
pub struct Model {
    objects: BTreeMap<String, Object>,
}

/// A field of a standard object: (name, type, nullable, default).
type Spec = (&'static str, &'static str, Value);

fn standard_fields(object: &str) -> Vec<Spec> {
    let empty = Value::Null;
    match object {
        "person" => vec![
            ("name", "FULL_NAME", empty.clone()),
            ("emails", "EMAILS", empty.clone()),
            ("linkedinLink", "LINKS", empty.clone()),
            ("jobTitle", "TEXT", json!("")),
            ("phones", "PHONES", empty.clone()),
            ("avatarUrl", "TEXT", json!("")),
            ("companyId", "RELATION:company:company:people", empty),
        ],
        "company" => vec![
            ("name", "TEXT", json!("")),
            ("domainName", "LINKS", empty.clone()),
            ("address", "ADDRESS", empty.clone()),
            ("linkedinLink", "LINKS", empty.clone()),
            ("annualRevenue", "CURRENCY", empty.clone()),
            ("accountOwnerId", "RELATION:accountOwner:workspaceMember:accountOwnerForCompanies", empty),
        ],
        "opportunity" => vec![
            ("name", "TEXT", json!("")),
            ("amount", "CURRENCY", empty.clone()),
            ("closeDate", "DATE_TIME", empty.clone()),
            ("stage", "SELECT:NEW,SCREENING,MEETING,PROPOSAL,CUSTOMER", json!("NEW")),
            ("pointOfContactId", "RELATION:pointOfContact:person:pointOfContactForOpportunities", empty.clone()),
            ("companyId", "RELATION:company:company:opportunities", empty.clone()),
            ("ownerId", "RELATION:owner:workspaceMember:ownedOpportunities", empty),
        ],
        "note" => vec![("title", "TEXT", json!("")), ("bodyV2", "RICH_TEXT", Value::Null)],
        "task" => vec![
            ("title", "TEXT", json!("")),
            ("bodyV2", "RICH_TEXT", empty.clone()),
            ("dueAt", "DATE_TIME", empty.clone()),
            ("status", "SELECT:TODO,IN_PROGRESS,DONE", json!("TODO")),
            ("assigneeId", "RELATION:assignee:workspaceMember:assignedTasks", empty),
        ],
        "workspaceMember" => vec![
            ("name", "FULL_NAME", empty.clone()),
            ("colorScheme", "TEXT", json!("System")),
            ("locale", "TEXT", json!("en")),
            ("avatarUrl", "TEXT", json!("")),
            ("userEmail", "TEXT", json!("")),
            ("jobTitle", "TEXT", json!("")),
            ("userId", "UUID", empty.clone()),
            ("timeZone", "TEXT", json!("system")),
        ],
        _ => vec![],
    }
}

const STANDARD: &[(&str, &str, &str, &str)] = &[
    ("person", "people", "Person", "People"),
    ("company", "companies", "Company", "Companies"),
    ("opportunity", "opportunities", "Opportunity", "Opportunities"),
    ("note", "notes", "Note", "Notes"),
    ("task", "tasks", "Task", "Tasks"),
    ("workspaceMember", "workspaceMembers", "Workspace Member", "Workspace Members"),
];

/// The fields every record has, set by the workspace.
fn system_fields(ids: &Map<String, Value>) -> Vec<Field> {
    let id_of =
        |name: &str| ids.get(name).and_then(|field| field.get("universalIdentifier")).and_then(Value::as_str).unwrap_or(name).to_owned();
    let system = |name: &str, field_type: FieldType, nullable: bool| Field {
        name: name.to_owned(),
        universal_identifier: id_of(name),
        field_type,
        label: name.to_owned(),
        nullable,
        options: vec![],
        default: Value::Null,
        relation: None,
        inverse: None,
        system: true,
    };
    vec![
        system("id", FieldType::Uuid, false),
        system("createdAt", FieldType::DateTime, false),
        system("updatedAt", FieldType::DateTime, false),
        system("deletedAt", FieldType::DateTime, true),
        system("createdBy", FieldType::Actor, false),
        system("updatedBy", FieldType::Actor, false),
        Field { system: false, ..system("position", FieldType::Position, false) },
    ]
}

impl Model {
    /// The standard objects and every app's declarations. `apps` gives each
    /// app's universalIdentifier with its manifest's `objects` and `fields`.
    pub fn build<'a>(apps: impl IntoIterator<Item = (&'a str, &'a [Value], &'a [Value])>) -> Result<Self, Error> {
        let standard: Value = serde_json::from_str(include_str!("../sandbox/js/sdk_standard_objects.json")).unwrap_or(Value::Null);
        let mut objects = BTreeMap::new();
        for (singular, plural, label, labels) in STANDARD {
            let entry = standard.get(singular).cloned().unwrap_or(Value::Null);
            let ids = entry.get("fields").and_then(Value::as_object).cloned().unwrap_or_default();
            let mut fields = system_fields(&ids);
            for (name, kind, default) in standard_fields(singular) {
                let (type_name, extra) = kind.split_once(':').unwrap_or((kind, ""));
                let relation_name = name.strip_suffix("Id").unwrap_or(name);
                let universal_identifier = ids
                    .get(if type_name == "RELATION" { relation_name } else { name })
                    .and_then(|field| field.get("universalIdentifier"))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("{singular}.{name}"));
                let mut inverse = None;
                let (field_type, options, relation) = match type_name {
                    "RELATION" => {
                        let mut parts = extra.split(':');
                        let (relation, target) = (parts.next().unwrap_or(relation_name), parts.next().unwrap_or_default());
                        inverse = parts.next().map(str::to_owned);
                        (FieldType::RelationId, vec![], Some((relation.to_owned(), target.to_owned())))
                    }
                    "SELECT" => (FieldType::Select, extra.split(',').map(str::to_owned).collect(), None),
                    other => (FieldType::parse(other).unwrap_or(FieldType::Text), vec![], None),
                };
                fields.push(Field {
                    name: name.to_owned(),
                    universal_identifier,
                    field_type,
                    label: name.to_owned(),
                    nullable: true,
                    options,
                    default,
                    relation,
                    inverse,
                    system: false,
                });
            }
            objects.insert(
                (*singular).to_owned(),
                Object {
                    name_singular: (*singular).to_owned(),
                    name_plural: (*plural).to_owned(),
                    label_singular: (*label).to_owned(),
                    label_plural: (*labels).to_owned(),
                    universal_identifier: entry.get("universalIdentifier").and_then(Value::as_str).unwrap_or(singular).to_owned(),
                    is_custom: false,
                    fields,
                    app: None,
                },
            );
        }
        let known: Vec<&str> = STANDARD.iter().map(|(singular, ..)| *singular).collect();
        for object in super::standard::objects(&known, system_fields) {
            objects.insert(object.name_singular.clone(), object);
        }
        let mut model = Self { objects };
        let apps: Vec<_> = apps.into_iter().collect();
        for (app, declared, _) in &apps {
            for (index, object) in declared.iter().enumerate() {
                model.add_object(app, object, index).map_err(|error| within(error, object))?;
            }
        }
        for (app, _, fields) in &apps {
            for (index, field) in fields.iter().enumerate() {
                model.add_field(app, field, index).map_err(|error| within(error, field))?;
            }
        }
        model.resolve_relations(&apps)?;
        Ok(model)
    }

    /// Names the targets of declared relations: the object by its singular
    /// name, the inverse (one-to-many) side by its field name.
    fn resolve_relations(&mut self, apps: &[(&str, &[Value], &[Value])]) -> Result<(), Error> {
        let singulars: BTreeMap<String, String> =
            self.objects.values().map(|object| (object.universal_identifier.clone(), object.name_singular.clone())).collect();
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for (_, objects, fields) in apps {
            let nested = objects.iter().flat_map(|object| object.get("fields").and_then(Value::as_array).into_iter().flatten());
            for field in nested.chain(fields.iter()) {
                if let (Some(id), Some(name)) =
                    (field.get("universalIdentifier").and_then(Value::as_str), field.get("name").and_then(Value::as_str))
                {
                    names.insert(id.to_owned(), name.to_owned());
                }
            }
        }
        for object in self.objects.values_mut() {
            for field in &mut object.fields {
                if let Some((relation, target)) = &mut field.relation
                    && let Some(id) = target.strip_prefix(UNRESOLVED)
                {
                    let Some(singular) = singulars.get(id) else {
                        return Err(Error::Invalid {
                            what: format!("{}.{relation}", object.name_singular),
                            message: format!("relationTargetObjectMetadataUniversalIdentifier: no object has universalIdentifier {id:?}"),
                            entity: Some(field.universal_identifier.clone()),
                            field: "relationTargetObjectMetadataUniversalIdentifier".to_owned(),
                        });
                    };
                    *target = singular.clone();
                }
                if let Some(inverse) = &field.inverse
                    && let Some(id) = inverse.strip_prefix(UNRESOLVED)
                {
                    field.inverse = names.get(id).cloned();
                }
            }
        }
        Ok(())
    }

    fn add_field(&mut self, app: &str, field: &Value, index: usize) -> Result<(), Error> {
        let target = field.get("objectUniversalIdentifier").and_then(Value::as_str).unwrap_or_default().to_owned();
        // One-to-many sides other objects' relations add to the target.
        let inverses: Vec<String> = self
            .objects
            .values()
            .flat_map(|other| &other.fields)
            .filter(|field| {
                field.relation.as_ref().is_some_and(|(_, to)| self.objects.get(to).is_some_and(|to| to.universal_identifier == target))
            })
            .filter_map(|field| field.inverse.clone())
            .collect();
        let Some(object) = self.objects.values_mut().find(|object| object.universal_identifier == target) else {
            return Err(invalid(
                format!("app {app}: fields[{index}].objectUniversalIdentifier"),
                format!("no object has universalIdentifier {target:?}"),
            ));
        };
        if let Some(parsed) = parse_field(field, &format!("app {app}: fields[{index}]"))? {
            let relation_named =
                object.fields.iter().any(|field| field.relation.as_ref().is_some_and(|(relation, _)| *relation == parsed.name));
            if object.field(&parsed.name).is_some() || relation_named || inverses.contains(&parsed.name) {
                return Err(invalid(
                    format!("app {app}: fields[{index}].name"),
                    format!("{} already has a field {}", object.name_singular, parsed.name),
                ));
            }
            object.fields.push(parsed);
        }
        Ok(())
    }

    fn add_object(&mut self, app: &str, object: &Value, index: usize) -> Result<(), Error> {
        let what = format!("app {app}: objects[{index}]");
        let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
        let singular = text("nameSingular").ok_or_else(|| invalid(format!("{what}.nameSingular"), "is required"))?;
        let plural = text("namePlural").ok_or_else(|| invalid(format!("{what}.namePlural"), "is required"))?;
        for (field, name) in [("nameSingular", &singular), ("namePlural", &plural)] {
            if !name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(invalid(format!("{what}.{field}"), format!("{name:?} must be camelCase letters and digits")));
            }
        }
        if self.objects.contains_key(&singular)
            || self.objects.values().any(|other| other.name_plural == plural || other.name_singular == plural)
        {
            return Err(invalid(format!("{what}.nameSingular"), format!("an object named {singular} or {plural} already exists")));
        }
        let type_name = pascal(&singular);
        if RESERVED_TYPES.contains(&type_name.as_str()) || RESERVED_ENDINGS.iter().any(|ending| type_name.ends_with(ending)) {
            return Err(invalid(
                format!("{what}.nameSingular"),
                format!("{singular:?} would name the GraphQL type {type_name}, which the workspace API uses itself; choose another name"),
            ));
        }
        let universal_identifier = text("universalIdentifier").unwrap_or_else(|| format!("{app}:{singular}"));
        let mut fields = system_fields(&Map::new());
        for field in &mut fields {
            field.universal_identifier = format!("{universal_identifier}:{}", field.name);
        }
        for (position, field) in object.get("fields").and_then(Value::as_array).into_iter().flatten().enumerate() {
            if let Some(parsed) = parse_field(field, &format!("{what}.fields[{position}]"))? {
                if let Some(existing) = fields.iter_mut().find(|existing| existing.name == parsed.name) {
                    if !existing.system && existing.name != "position" {
                        return Err(invalid(
                            format!("{what}.fields[{position}].name"),
                            format!("the object already has a field {}", parsed.name),
                        ));
                    }
                    existing.universal_identifier = parsed.universal_identifier;
                    continue;
                }
                fields.push(parsed);
            }
        }
        self.objects.insert(
            singular.clone(),
            Object {
                label_singular: text("labelSingular").unwrap_or_else(|| singular.clone()),
                label_plural: text("labelPlural").unwrap_or_else(|| plural.clone()),
                name_singular: singular,
                name_plural: plural,
                universal_identifier,
                is_custom: true,
                fields,
                app: Some(app.to_owned()),
            },
        );
        Ok(())
    }

    pub fn object(&self, singular: &str) -> Option<&Object> {
        self.objects.get(singular)
    }

    pub fn by_plural(&self, plural: &str) -> Option<&Object> {
        self.objects.values().find(|object| object.name_plural == plural)
    }

    pub fn objects(&self) -> impl Iterator<Item = &Object> {
        self.objects.values()
    }

    pub fn plural_names(&self) -> String {
        self.objects.values().map(|object| object.name_plural.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// Marks a relation's target (object or inverse field) still named by its
/// universalIdentifier, until every declaration is read.
const UNRESOLVED: &str = "\u{0}uid:";

/// A declared `RELATION` field: the many-to-one side becomes its join
/// column (`companyId`, or `universalSettings.joinColumnName`) pointing at
/// the target object; the one-to-many side adds no column (it is served
/// from the other side's `inverse`).
fn relation_field(field: &Value, name: String, what: &str) -> Result<Option<Field>, Error> {
    let settings = field.get("universalSettings").or_else(|| field.get("settings"));
    if settings.and_then(|settings| settings.get("relationType")).and_then(Value::as_str) != Some("MANY_TO_ONE") {
        return Ok(None);
    }
    let target = field.get("relationTargetObjectMetadataUniversalIdentifier").and_then(Value::as_str).ok_or_else(|| {
        invalid(format!("{what}.relationTargetObjectMetadataUniversalIdentifier"), "is required for a MANY_TO_ONE relation")
    })?;
    let join = settings
        .and_then(|settings| settings.get("joinColumnName"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{name}Id"));
    if !join.chars().next().is_some_and(|c| c.is_ascii_lowercase()) || !join.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(invalid(format!("{what}.universalSettings.joinColumnName"), format!("{join:?} must be camelCase letters and digits")));
    }
    Ok(Some(Field {
        universal_identifier: field.get("universalIdentifier").and_then(Value::as_str).unwrap_or(&name).to_owned(),
        label: field.get("label").and_then(Value::as_str).unwrap_or(&name).to_owned(),
        name: join,
        field_type: FieldType::RelationId,
        nullable: true,
        options: vec![],
        default: Value::Null,
        relation: Some((name, format!("{UNRESOLVED}{target}"))),
        inverse: field.get("relationTargetFieldMetadataUniversalIdentifier").and_then(Value::as_str).map(|id| format!("{UNRESOLVED}{id}")),
        system: false,
    }))
}

/// One declared field; `None` for what this workspace does not store
/// (one-to-many sides of relations, morph relations, files, search vectors).
fn parse_field(field: &Value, what: &str) -> Result<Option<Field>, Error> {
    let name = field.get("name").and_then(Value::as_str).ok_or_else(|| invalid(format!("{what}.name"), "is required"))?.to_owned();
    if !name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(invalid(format!("{what}.name"), format!("{name:?} must be camelCase letters and digits")));
    }
    if RESERVED_FIELDS.contains(&name.as_str()) {
        return Err(invalid(format!("{what}.name"), format!("{name:?} is reserved for combining filters")));
    }
    let type_name = field.get("type").and_then(Value::as_str).unwrap_or_default();
    if type_name == "RELATION" {
        return relation_field(field, name, what);
    }
    if matches!(type_name, "MORPH_RELATION" | "TS_VECTOR" | "FILES") {
        return Ok(None);
    }
    let field_type =
        FieldType::parse(type_name).ok_or_else(|| invalid(format!("{what}.type"), format!("{type_name:?} is not a field type")))?;
    let options: Vec<String> = field
        .get("options")
        .and_then(Value::as_array)
        .map(|options| options.iter().filter_map(|option| option.get("value").and_then(Value::as_str).map(str::to_owned)).collect())
        .unwrap_or_default();
    let default = match field.get("defaultValue") {
        // Twenty writes SELECT defaults quoted (`"'NEW'"`).
        Some(Value::String(text)) if text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'') => {
            Value::String(text[1..text.len() - 1].to_owned())
        }
        Some(value) => value.clone(),
        None => Value::Null,
    };
    Ok(Some(Field {
        universal_identifier: field.get("universalIdentifier").and_then(Value::as_str).unwrap_or(&name).to_owned(),
        label: field.get("label").and_then(Value::as_str).unwrap_or(&name).to_owned(),
        nullable: field.get("isNullable").and_then(Value::as_bool).unwrap_or(true),
        name,
        field_type,
        options,
        default,
        relation: None,
        inverse: None,
        system: false,
    }))
}

impl Field {
    /// The value a new record gets for this field at time `now`: Twenty's
    /// `now` default on a date field is the creation time.
    pub fn initial(&self, now: &str) -> Value {
        if matches!(self.field_type, FieldType::DateTime | FieldType::Date) && self.default.as_str() == Some(NOW) {
            return Value::String(if self.field_type == FieldType::Date { now.get(..10).unwrap_or(now) } else { now }.to_owned());
        }
        if self.field_type.is_composite() {
            let mut value = self.field_type.empty();
            if let (Value::Object(target), Value::Object(given)) = (&mut value, &self.default) {
                for (key, sub) in given {
                    target.insert(key.clone(), sub.clone());
                }
            }
            return value;
        }
        self.default.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_and_app_objects_share_one_model() {
        let objects = vec![json!({
            "universalIdentifier": "11111111-1111-4111-8111-111111111111",
            "nameSingular": "invoice", "namePlural": "invoices", "labelSingular": "Invoice", "labelPlural": "Invoices",
            "fields": [{ "name": "total", "type": "CURRENCY", "label": "Total", "universalIdentifier": "f1" }],
        })];
        let fields = vec![json!({
            "objectUniversalIdentifier": "11111111-1111-4111-8111-111111111111",
            "name": "paid", "type": "BOOLEAN", "label": "Paid", "universalIdentifier": "f2", "defaultValue": false,
        })];
        let model = Model::build([("app", objects.as_slice(), fields.as_slice())]).expect("model");
        let invoice = model.by_plural("invoices").expect("invoice");
        assert_eq!(invoice.type_name(), "Invoice");
        assert!(invoice.field("total").is_some_and(|field| field.field_type == FieldType::Currency));
        assert_eq!(invoice.field("paid").map(|field| field.default.clone()), Some(json!(false)));
        let person = model.object("person").expect("person");
        assert_eq!(person.universal_identifier, "20202020-e674-48e5-a542-72570eee7213");
        assert_eq!(
            person.field("name").map(|field| field.initial("2026-01-01T00:00:00.000Z")),
            Some(json!({ "firstName": "", "lastName": "" }))
        );
        assert_eq!(person.field("companyId").and_then(|field| field.relation.clone()), Some(("company".into(), "company".into())));
        assert_eq!(person.field("companyId").and_then(|field| field.inverse.clone()).as_deref(), Some("people"));
    }

    #[test]
    fn a_clash_or_bad_type_names_the_declaration() {
        let objects = vec![json!({ "nameSingular": "person", "namePlural": "persons" })];
        let error = Model::build([("app", objects.as_slice(), &[][..])]).expect_err("clash");
        assert!(error.to_string().contains("objects[0].nameSingular"), "{error}");
        let objects = vec![json!({ "nameSingular": "thing", "namePlural": "things", "fields": [{ "name": "x", "type": "NOPE" }] })];
        let error = Model::build([("app", objects.as_slice(), &[][..])]).expect_err("type");
        assert!(error.to_string().contains("objects[0].fields[0].type"), "{error}");
        let objects = vec![json!({ "nameSingular": "address", "namePlural": "addresses" })];
        let error = Model::build([("app", objects.as_slice(), &[][..])]).expect_err("reserved type");
        assert!(error.to_string().contains("GraphQL type Address"), "{error}");
        let fields =
            vec![json!({ "objectUniversalIdentifier": "20202020-e674-48e5-a542-72570eee7213", "name": "company", "type": "TEXT" })];
        let error = Model::build([("app", &[][..], fields.as_slice())]).expect_err("relation name");
        assert!(error.to_string().contains("fields[0].name"), "{error}");
    }
}
