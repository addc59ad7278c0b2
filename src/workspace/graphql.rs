//! `/graphql`: Twenty's core GraphQL API over the embedded workspace, as an
//! async-graphql dynamic schema built from the data model. Per object: a
//! type with its fields (many-to-one relations resolved to the related
//! record), `<Type>Edge`/`<Type>Connection` (`edges { node cursor }`,
//! `pageInfo`, `totalCount`), `<Type>FilterInput`, `<Type>OrderByInput`,
//! `<Type>CreateInput`, `<Type>UpdateInput`; the collection query
//! (`companies`), the single-record query (`company`), and the mutations
//! `create`, `create<Plural>`, `update`, `update<Plural>`, `delete`,
//! `delete<Plural>`, `destroy`, `destroy<Plural>`, `restore`,
//! `restore<Plural>`. Resolvers call the [`Workspace`] as the caller in the
//! request's data; errors carry Twenty's `extensions.code`.

use super::access::Principal;
use super::model::{FieldType, Model, Object, Sub, pascal};
use super::{Error, Find, Target, Workspace};
use async_graphql::dynamic::{
    Enum, Field, FieldFuture, FieldValue, InputObject, InputValue, Object as GqlObject, ResolverContext, Scalar, Schema, TypeRef,
};
use async_graphql::{ErrorExtensions, Value as GqlValue};
use serde_json::{Value, json};

/// Who a GraphQL request acts as; set as request data.
#[derive(Debug, Clone)]
pub struct Caller {
    pub workspace: Workspace,
    pub principal: Principal,
}

/// A value being resolved: a record, with its object's name for field
/// permission checks; a composite value (neither name); or a connection or
/// edge, with the object of the records inside (`records`).
struct Node {
    value: Value,
    object: Option<String>,
    records: Option<String>,
}

fn gql_error(error: Error) -> async_graphql::Error {
    let code = error.code();
    async_graphql::Error::new(error.to_string()).extend_with(|_, extensions| extensions.set("code", code))
}

fn json_arg(ctx: &ResolverContext<'_>, name: &str) -> Option<Value> {
    ctx.args.get(name).and_then(|value| value.as_value().clone().into_json().ok()).filter(|value| !value.is_null())
}

fn caller<'a>(ctx: &ResolverContext<'a>) -> async_graphql::Result<&'a Caller> {
    ctx.ctx.data::<Caller>()
}

fn to_gql(value: Value) -> GqlValue {
    GqlValue::from_json(value).unwrap_or(GqlValue::Null)
}

fn record_value(value: Value, object: &str) -> FieldValue<'static> {
    FieldValue::owned_any(Node { value, object: Some(object.to_owned()), records: None })
}

/// The GraphQL scalar of a non-composite field.
fn scalar_type(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::Uuid | FieldType::RelationId => "UUID",
        FieldType::Number | FieldType::Position => TypeRef::FLOAT,
        FieldType::Numeric => "BigFloat",
        FieldType::Boolean => TypeRef::BOOLEAN,
        FieldType::DateTime => "DateTime",
        FieldType::Date => "Date",
        FieldType::RawJson => "RawJSON",
        _ => TypeRef::STRING,
    }
}

fn filter_type(field_type: FieldType) -> &'static str {
    match field_type {
        FieldType::Uuid | FieldType::RelationId => "UUIDFilter",
        FieldType::Number | FieldType::Position | FieldType::Numeric => "FloatFilter",
        FieldType::Boolean => "BooleanFilter",
        FieldType::DateTime => "DateTimeFilter",
        FieldType::MultiSelect => "MultiSelectFilter",
        FieldType::Array => "ArrayFilter",
        FieldType::RawJson => "RawJsonFilter",
        FieldType::Select => "SelectFilter",
        _ => "StringFilter",
    }
}

fn sub_scalar(sub: Sub) -> &'static str {
    match sub {
        Sub::Text => TypeRef::STRING,
        Sub::Number => TypeRef::FLOAT,
        Sub::Json => "RawJSON",
    }
}

const COMPOSITES: &[FieldType] = &[
    FieldType::FullName,
    FieldType::Emails,
    FieldType::Phones,
    FieldType::Links,
    FieldType::Address,
    FieldType::Currency,
    FieldType::Actor,
    FieldType::RichText,
];

fn composite_name(field_type: FieldType) -> String {
    field_type.name().split('_').map(|part| pascal(&part.to_ascii_lowercase())).collect()
}

/// A field resolver reading `name` from the parent JSON; `object_type`
/// when the value is itself an object (a composite).
fn read_field(name: String, type_ref: TypeRef, object_type: bool) -> Field {
    let key = name.clone();
    Field::new(name, type_ref, move |ctx| {
        let key = key.clone();
        FieldFuture::new(async move {
            let node = ctx.parent_value.try_downcast_ref::<Node>()?;
            if let Some(object) = &node.object {
                let caller = caller(&ctx)?;
                let model = caller.workspace.model();
                let permissions = caller.workspace.permissions(&caller.principal);
                if let (Some(object), true) = (model.object(object), node.value.get(&key).is_none())
                    && let Some(field) = object.field(&key)
                    && !permissions.can_read_field(object, field)
                {
                    return Err(gql_error(Error::Forbidden(format!(
                        "the application role may not read field {key} of {} records",
                        object.name_singular
                    ))));
                }
            }
            let value = node.value.get(&key).cloned().unwrap_or(Value::Null);
            if value.is_null() {
                return Ok(None);
            }
            Ok(Some(if object_type {
                FieldValue::owned_any(Node { value, object: None, records: None })
            } else {
                FieldValue::value(to_gql(value))
            }))
        })
    })
}

fn scalar_filter(name: &str, scalar: &str, comparisons: &[&str], list: bool) -> InputObject {
    let mut input = InputObject::new(name);
    for comparison in comparisons {
        input = input.field(InputValue::new(*comparison, TypeRef::named(scalar)));
    }
    if list {
        input = input.field(InputValue::new("in", TypeRef::named_nn_list(scalar)));
    }
    input.field(InputValue::new("is", TypeRef::named("FilterIs")))
}

/// Builds the schema for `model`.
pub fn build(model: &Model) -> Result<Schema, async_graphql::dynamic::SchemaError> {
    let ordered = ["eq", "neq", "gt", "gte", "lt", "lte"];
    let mut builder = Schema::build("Query", Some("Mutation"), None)
        .register(Scalar::new("UUID"))
        .register(Scalar::new("DateTime"))
        .register(Scalar::new("Date"))
        .register(Scalar::new("RawJSON"))
        .register(Scalar::new("BigFloat"))
        .register(Scalar::new("ConnectionCursor"))
        .register(Enum::new("OrderByDirection").items(super::filter::DIRECTIONS.iter().copied()))
        .register(Enum::new("FilterIs").items(["NULL", "NOT_NULL"]))
        .register(scalar_filter(
            "StringFilter",
            TypeRef::STRING,
            &["eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "startsWith", "endsWith"],
            true,
        ))
        .register(scalar_filter("UUIDFilter", "UUID", &["eq", "neq"], true))
        .register(scalar_filter("FloatFilter", TypeRef::FLOAT, &ordered, true))
        .register(scalar_filter("DateTimeFilter", "DateTime", &ordered, true))
        .register(scalar_filter("BooleanFilter", TypeRef::BOOLEAN, &["eq"], false))
        .register(scalar_filter("SelectFilter", TypeRef::STRING, &["eq", "neq"], true))
        .register(scalar_filter("RawJsonFilter", TypeRef::STRING, &["like"], false))
        .register(
            InputObject::new("MultiSelectFilter")
                .field(InputValue::new("containsAny", TypeRef::named_nn_list(TypeRef::STRING)))
                .field(InputValue::new("isEmptyArray", TypeRef::named(TypeRef::BOOLEAN)))
                .field(InputValue::new("is", TypeRef::named("FilterIs"))),
        )
        .register(
            InputObject::new("ArrayFilter")
                .field(InputValue::new("containsIlike", TypeRef::named(TypeRef::STRING)))
                .field(InputValue::new("isEmptyArray", TypeRef::named(TypeRef::BOOLEAN)))
                .field(InputValue::new("is", TypeRef::named("FilterIs"))),
        )
        .register(
            GqlObject::new("PageInfo")
                .field(read_field("hasNextPage".into(), TypeRef::named_nn(TypeRef::BOOLEAN), false))
                .field(read_field("hasPreviousPage".into(), TypeRef::named_nn(TypeRef::BOOLEAN), false))
                .field(read_field("startCursor".into(), TypeRef::named("ConnectionCursor"), false))
                .field(read_field("endCursor".into(), TypeRef::named("ConnectionCursor"), false)),
        );
    for composite in COMPOSITES {
        let name = composite_name(*composite);
        let mut output = GqlObject::new(&name);
        let mut create = InputObject::new(format!("{name}CreateInput"));
        let mut update = InputObject::new(format!("{name}UpdateInput"));
        let mut filter = InputObject::new(format!("{name}FilterInput"));
        let mut order = InputObject::new(format!("{name}OrderByInput"));
        for (sub, kind) in composite.subfields() {
            output = output.field(read_field((*sub).to_owned(), TypeRef::named(sub_scalar(*kind)), false));
            create = create.field(InputValue::new(*sub, TypeRef::named(sub_scalar(*kind))));
            update = update.field(InputValue::new(*sub, TypeRef::named(sub_scalar(*kind))));
            let sub_filter = match kind {
                Sub::Text => "StringFilter",
                Sub::Number => "FloatFilter",
                Sub::Json => "RawJsonFilter",
            };
            filter = filter.field(InputValue::new(*sub, TypeRef::named(sub_filter)));
            order = order.field(InputValue::new(*sub, TypeRef::named("OrderByDirection")));
        }
        builder = builder.register(output).register(create).register(update).register(filter).register(order);
    }
    let mut query = GqlObject::new("Query");
    let mut mutation = GqlObject::new("Mutation");
    for object in model.objects() {
        let type_name = object.type_name();
        let mut output = GqlObject::new(&type_name);
        for source in model.objects() {
            for field in &source.fields {
                if let (Some((_, target)), Some(inverse)) = (&field.relation, &field.inverse)
                    && *target == object.name_singular
                {
                    output = output.field(inverse_field(inverse, source, field.name.clone()));
                }
            }
        }
        let mut create = InputObject::new(format!("{type_name}CreateInput"));
        let mut update = InputObject::new(format!("{type_name}UpdateInput"));
        let mut filter = InputObject::new(format!("{type_name}FilterInput"))
            .field(InputValue::new("and", TypeRef::named_nn_list(format!("{type_name}FilterInput"))))
            .field(InputValue::new("or", TypeRef::named_nn_list(format!("{type_name}FilterInput"))))
            .field(InputValue::new("not", TypeRef::named(format!("{type_name}FilterInput"))));
        let mut order = InputObject::new(format!("{type_name}OrderByInput"));
        for field in &object.fields {
            let (output_type, input_type, filter_name, order_type) = if field.field_type.is_composite() {
                let name = composite_name(field.field_type);
                (name.clone(), format!("{name}CreateInput"), format!("{name}FilterInput"), format!("{name}OrderByInput"))
            } else {
                let scalar = scalar_type(field.field_type).to_owned();
                let scalar =
                    if matches!(field.field_type, FieldType::MultiSelect | FieldType::Array) { format!("[{scalar}!]") } else { scalar };
                (scalar.clone(), scalar, filter_type(field.field_type).to_owned(), "OrderByDirection".to_owned())
            };
            let list = output_type.starts_with('[');
            let bare = output_type.trim_start_matches('[').trim_end_matches(['!', ']']).to_owned();
            let output_ref = match (field.name.as_str(), list) {
                ("id", _) => TypeRef::named_nn("UUID"),
                (_, true) => TypeRef::named_nn_list(bare.clone()),
                _ => TypeRef::named(output_type.clone()),
            };
            output = output.field(read_field(field.name.clone(), output_ref, field.field_type.is_composite()));
            let input_ref = if list { TypeRef::named_nn_list(bare) } else { TypeRef::named(input_type.clone()) };
            if !field.system || field.name == "id" {
                create = create.field(InputValue::new(&field.name, input_ref.clone()));
            }
            if !field.system {
                let update_ref = if field.field_type.is_composite() {
                    TypeRef::named(format!("{}UpdateInput", composite_name(field.field_type)))
                } else {
                    input_ref
                };
                update = update.field(InputValue::new(&field.name, update_ref));
            }
            filter = filter.field(InputValue::new(&field.name, TypeRef::named(filter_name)));
            order = order.field(InputValue::new(&field.name, TypeRef::named(order_type)));
            if let Some((relation, target)) = &field.relation
                && let Some(target) = model.object(target)
            {
                output = output.field(relation_field(relation.clone(), field.name.clone(), target));
            }
        }
        builder =
            builder
                .register(output)
                .register(create)
                .register(update)
                .register(filter)
                .register(order)
                .register(
                    GqlObject::new(format!("{type_name}Edge"))
                        .field(record_field("node", TypeRef::named_nn(&type_name)))
                        .field(read_field("cursor".into(), TypeRef::named_nn("ConnectionCursor"), false)),
                )
                .register(
                    GqlObject::new(format!("{type_name}Connection"))
                        .field(passthrough_list("edges", TypeRef::named_nn_list_nn(format!("{type_name}Edge"))))
                        .field(read_field("pageInfo".into(), TypeRef::named_nn("PageInfo"), true))
                        .field(read_field("totalCount".into(), TypeRef::named_nn(TypeRef::INT), false)),
                );
        query = query.field(find_many(object)).field(find_one(object));
        for field in mutations(object) {
            mutation = mutation.field(field);
        }
    }
    builder
        .register(query)
        .register(mutation)
        .limit_depth(MAX_SELECTION_DEPTH)
        .limit_recursive_depth(MAX_SELECTION_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .finish()
}

/// How deeply selections may nest.
const MAX_SELECTION_DEPTH: usize = 32;
/// How many fields one request may select in all, aliases counted: a page
/// of records with a few dozen fields and relations is far below it; twenty
/// thousand aliased collection queries are far above it.
pub const MAX_COMPLEXITY: usize = 2_000;
/// The longest query text taken.
pub const MAX_QUERY_BYTES: usize = 256 * 1024;
/// How deeply `{`, `[` and `(` may nest in a query's text, checked before the
/// text is parsed, whose parser recurses once per level.
pub const MAX_QUERY_NESTING: usize = 64;

/// Refuses query text that is too long or nests too deeply to be parsed
/// safely, naming the limit.
pub fn screen_query(query: &str) -> Result<(), Error> {
    if query.len() > MAX_QUERY_BYTES {
        return Err(Error::BadRequest(format!("query: {} bytes is longer than the {MAX_QUERY_BYTES} bytes taken", query.len())));
    }
    let deepest = query_nesting(query);
    if deepest > MAX_QUERY_NESTING {
        return Err(Error::BadRequest(format!("query: brackets nest {deepest} levels deep; at most {MAX_QUERY_NESTING} are taken")));
    }
    Ok(())
}

/// The deepest nesting of `{`, `[` and `(` in GraphQL text, outside strings,
/// block strings and comments; one pass, no recursion.
fn query_nesting(query: &str) -> usize {
    let bytes = query.as_bytes();
    let (mut index, mut depth, mut deepest) = (0, 0_usize, 0_usize);
    while index < bytes.len() {
        match bytes[index] {
            b'#' => {
                while index < bytes.len() && bytes[index] != b'\n' && bytes[index] != b'\r' {
                    index += 1;
                }
            }
            b'"' if bytes[index..].starts_with(b"\"\"\"") => {
                index += 3;
                while index < bytes.len() && !bytes[index..].starts_with(b"\"\"\"") {
                    index += if bytes[index..].starts_with(b"\\\"\"\"") { 4 } else { 1 };
                }
                index += 2;
            }
            b'"' => {
                index += 1;
                while index < bytes.len() && bytes[index] != b'"' && bytes[index] != b'\n' {
                    index += if bytes[index] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        index += 1;
    }
    deepest
}

/// `node` of an edge: the record, permission-checked by its own fields.
fn record_field(name: &str, type_ref: TypeRef) -> Field {
    let key = name.to_owned();
    Field::new(name, type_ref, move |ctx| {
        let key = key.clone();
        FieldFuture::new(async move {
            let node = ctx.parent_value.try_downcast_ref::<Node>()?;
            let value = node.value.get(&key).cloned().unwrap_or(Value::Null);
            Ok(Some(FieldValue::owned_any(Node { value, object: node.records.clone(), records: None })))
        })
    })
}

/// `edges`: each edge as a node of its own.
fn passthrough_list(name: &str, type_ref: TypeRef) -> Field {
    let key = name.to_owned();
    Field::new(name, type_ref, move |ctx| {
        let key = key.clone();
        FieldFuture::new(async move {
            let node = ctx.parent_value.try_downcast_ref::<Node>()?;
            let items = node.value.get(&key).and_then(Value::as_array).cloned().unwrap_or_default();
            let records = node.records.clone();
            Ok(Some(FieldValue::list(
                items.into_iter().map(move |value| FieldValue::owned_any(Node { value, object: None, records: records.clone() })),
            )))
        })
    })
}

/// A many-to-one relation (`company` on person): the related record, read
/// with the caller's permissions.
fn relation_field(name: String, key: String, target: &Object) -> Field {
    let target_name = target.name_singular.clone();
    Field::new(name, TypeRef::named(target.type_name()), move |ctx| {
        let (key, target_name) = (key.clone(), target_name.clone());
        FieldFuture::new(async move {
            let node = ctx.parent_value.try_downcast_ref::<Node>()?;
            let Some(id) = node.value.get(&key).and_then(Value::as_str).map(str::to_owned) else { return Ok(None) };
            let caller = caller(&ctx)?;
            let object = caller.workspace.object(&target_name).map_err(gql_error)?;
            let found = caller.workspace.find_one(&caller.principal, &object, &json!({ "id": { "eq": id } })).await.map_err(gql_error)?;
            Ok(found.map(|record| record_value(record, &target_name)))
        })
    })
}

/// Arguments of a collection field (`companies(...)`, `company.people(...)`).
fn find_args(ctx: &ResolverContext<'_>) -> Find {
    let number = |name: &str| ctx.args.get(name).and_then(|value| value.i64().ok());
    let text = |name: &str| ctx.args.get(name).and_then(|value| value.string().ok()).map(str::to_owned);
    Find {
        filter: json_arg(ctx, "filter"),
        order_by: json_arg(ctx, "orderBy"),
        first: number("first"),
        last: number("last"),
        offset: number("offset"),
        after: text("after"),
        before: text("before"),
    }
}

/// A page of `singular` records as a connection value.
async fn connection(caller: &Caller, singular: &str, args: Find) -> async_graphql::Result<FieldValue<'static>> {
    let object = caller.workspace.object(singular).map_err(gql_error)?;
    let page = caller.workspace.find(&caller.principal, &object, args).await.map_err(gql_error)?;
    let edges: Vec<Value> =
        page.records.iter().zip(&page.cursors).map(|(record, cursor)| json!({ "node": record, "cursor": cursor })).collect();
    let value = json!({ "edges": edges, "pageInfo": page.page_info(), "totalCount": page.total });
    Ok(FieldValue::owned_any(Node { value, object: None, records: Some(singular.to_owned()) }))
}

fn with_find_args(field: Field, type_name: &str) -> Field {
    field
        .argument(InputValue::new("filter", TypeRef::named(format!("{type_name}FilterInput"))))
        .argument(InputValue::new("orderBy", TypeRef::named_nn_list(format!("{type_name}OrderByInput"))))
        .argument(InputValue::new("first", TypeRef::named(TypeRef::INT)))
        .argument(InputValue::new("last", TypeRef::named(TypeRef::INT)))
        .argument(InputValue::new("offset", TypeRef::named(TypeRef::INT)))
        .argument(InputValue::new("before", TypeRef::named(TypeRef::STRING)))
        .argument(InputValue::new("after", TypeRef::named(TypeRef::STRING)))
}

fn find_many(object: &Object) -> Field {
    let type_name = object.type_name();
    let singular = object.name_singular.clone();
    let field = Field::new(&object.name_plural, TypeRef::named_nn(format!("{type_name}Connection")), move |ctx| {
        let singular = singular.clone();
        FieldFuture::new(async move {
            let caller = caller(&ctx)?;
            Ok(Some(connection(caller, &singular, find_args(&ctx)).await?))
        })
    });
    with_find_args(field, &type_name)
}

/// The one-to-many side of a relation (`people` on company): the `source`
/// records whose `key` holds the parent's id, as a connection.
fn inverse_field(name: &str, source: &Object, key: String) -> Field {
    let type_name = source.type_name();
    let singular = source.name_singular.clone();
    let field = Field::new(name, TypeRef::named_nn(format!("{type_name}Connection")), move |ctx| {
        let (singular, key) = (singular.clone(), key.clone());
        FieldFuture::new(async move {
            let node = ctx.parent_value.try_downcast_ref::<Node>()?;
            let id = node.value.get("id").cloned().unwrap_or(Value::Null);
            let caller = caller(&ctx)?;
            let mut args = find_args(&ctx);
            let mine = json!({ key: { "eq": id } });
            args.filter = Some(match args.filter.take() {
                Some(given) => json!({ "and": [mine, given] }),
                None => mine,
            });
            Ok(Some(connection(caller, &singular, args).await?))
        })
    });
    with_find_args(field, &type_name)
}

fn find_one(object: &Object) -> Field {
    let type_name = object.type_name();
    let singular = object.name_singular.clone();
    Field::new(&object.name_singular, TypeRef::named(&type_name), move |ctx| {
        let singular = singular.clone();
        FieldFuture::new(async move {
            let caller = caller(&ctx)?;
            let object = caller.workspace.object(&singular).map_err(gql_error)?;
            let filter = json_arg(&ctx, "filter").unwrap_or(json!({}));
            let found = caller.workspace.find_one(&caller.principal, &object, &filter).await.map_err(gql_error)?;
            Ok(found.map(|record| record_value(record, &singular)))
        })
    })
    .argument(InputValue::new("filter", TypeRef::named_nn(format!("{type_name}FilterInput"))))
}

#[derive(Clone, Copy)]
enum Kind {
    Create,
    Update,
    Delete,
    Destroy,
    Restore,
}

fn mutations(object: &Object) -> Vec<Field> {
    let type_name = object.type_name();
    let plural = pascal(&object.name_plural);
    let mut fields = Vec::new();
    for (kind, verb) in [
        (Kind::Create, "create"),
        (Kind::Update, "update"),
        (Kind::Delete, "delete"),
        (Kind::Destroy, "destroy"),
        (Kind::Restore, "restore"),
    ] {
        for many in [false, true] {
            let name = if many { format!("{verb}{plural}") } else { format!("{verb}{type_name}") };
            let output = if many { TypeRef::named_nn_list(&type_name) } else { TypeRef::named(&type_name) };
            let singular = object.name_singular.clone();
            let mut field = Field::new(name, output, move |ctx| {
                let singular = singular.clone();
                FieldFuture::new(async move {
                    let caller = caller(&ctx)?;
                    let object = caller.workspace.object(&singular).map_err(gql_error)?;
                    let (workspace, principal) = (&caller.workspace, &caller.principal);
                    let id =
                        ctx.args.get("id").and_then(|value| value.string().ok()).map(|text| {
                            uuid::Uuid::parse_str(text).map(|id| id.hyphenated().to_string()).unwrap_or_else(|_| text.to_owned())
                        });
                    let filter = json_arg(&ctx, "filter");
                    let target = match (&id, &filter) {
                        (Some(id), _) => Target::Id(id),
                        (None, Some(filter)) => Target::Filter(filter),
                        (None, None) => Target::Filter(&Value::Null),
                    };
                    let data = json_arg(&ctx, "data").unwrap_or(json!({}));
                    let records = match kind {
                        Kind::Create => {
                            let inputs = if many { data.as_array().cloned().unwrap_or_default() } else { vec![data] };
                            workspace.create(principal, &object, &inputs, "data", many).await
                        }
                        Kind::Update => workspace.update(principal, &object, target, &data).await,
                        Kind::Delete => workspace.soft_delete(principal, &object, target).await,
                        Kind::Destroy => workspace.destroy(principal, &object, target).await,
                        Kind::Restore => workspace.restore(principal, &object, target).await,
                    }
                    .map_err(gql_error)?;
                    if many {
                        Ok(Some(FieldValue::list(records.into_iter().map(|record| record_value(record, &singular)))))
                    } else {
                        Ok(records.into_iter().next().map(|record| record_value(record, &singular)))
                    }
                })
            });
            field = match (kind, many) {
                (Kind::Create, false) => field.argument(InputValue::new("data", TypeRef::named_nn(format!("{type_name}CreateInput")))),
                (Kind::Create, true) => {
                    field.argument(InputValue::new("data", TypeRef::named_nn_list_nn(format!("{type_name}CreateInput"))))
                }
                (Kind::Update, false) => field
                    .argument(InputValue::new("id", TypeRef::named_nn("UUID")))
                    .argument(InputValue::new("data", TypeRef::named_nn(format!("{type_name}UpdateInput")))),
                (Kind::Update, true) => field
                    .argument(InputValue::new("data", TypeRef::named_nn(format!("{type_name}UpdateInput"))))
                    .argument(InputValue::new("filter", TypeRef::named_nn(format!("{type_name}FilterInput")))),
                (_, false) => field.argument(InputValue::new("id", TypeRef::named_nn("UUID"))),
                (_, true) => field.argument(InputValue::new("filter", TypeRef::named_nn(format!("{type_name}FilterInput")))),
            };
            fields.push(field);
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_nesting_skips_strings_block_strings_and_comments() {
        assert_eq!(query_nesting("{ companies(filter: {name: {eq: \"{{{[[[\"}}) { totalCount } }"), 4);
        assert_eq!(query_nesting("{ a(x: \"\"\"{{{ \" }}}\"\"\") }"), 2);
        assert_eq!(query_nesting("# {{{{{{ \"\n{ a }"), 1);
        assert_eq!(query_nesting("{ a(x: \"\\\"{{\") }"), 2, "an escaped quote does not end the string");
        let deep = format!("{{ a(f: {}1{}) }}", "[".repeat(100), "]".repeat(100));
        assert!(screen_query(&deep).expect_err("deep").to_string().contains("nest 102 levels"));
        assert!(screen_query("{ companies { totalCount } }").is_ok());
    }
}
