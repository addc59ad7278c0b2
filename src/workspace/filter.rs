//! Twenty's record filters and orderings, read and compiled to SQL over the
//! stored JSON. Both APIs meet here: GraphQL's `filter` input object
//! (`{ name: { eq: "Acme" }, and: [...], or: [...], not: {...} }`), and
//! REST's `filter=` string (`and(name[eq]:"Acme",employees[gte]:10)`),
//! which [`parse_rest_filter`] turns into the same object. Every field and
//! operator is checked against the object's fields before any SQL exists;
//! values are always bound, and only checked field names are inlined.

use super::Error;
use super::model::{FieldType, Object, Sub};
use crate::store::SqlValue;
use serde_json::{Map, Value};

/// The SQL expression of a top-level field: `id` is the indexed key
/// column (it always equals the record's `id`); the rest live in the JSON.
fn column(name: &str) -> String {
    if name == "id" { "id".to_owned() } else { format!("json_extract(data, '$.{name}')") }
}

/// A compiled condition.
#[derive(Debug, Clone, Default)]
pub struct Condition {
    pub sql: String,
    pub binds: Vec<SqlValue>,
}

const OPERATORS: &[&str] = &[
    "eq",
    "neq",
    "in",
    "is",
    "gt",
    "gte",
    "lt",
    "lte",
    "like",
    "ilike",
    "startsWith",
    "endsWith",
    "containsAny",
    "containsIlike",
    "isEmptyArray",
];

/// Order directions, as Twenty spells them.
pub const DIRECTIONS: &[&str] = &["AscNullsFirst", "AscNullsLast", "DescNullsFirst", "DescNullsLast"];

fn bad(message: String) -> Error {
    Error::BadRequest(message)
}

/// What kind of value a filtered path holds.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Number,
    Boolean,
    DateTime,
    List,
    Json,
}

fn kind_of(field_type: FieldType) -> Kind {
    match field_type {
        FieldType::Number | FieldType::Numeric | FieldType::Position => Kind::Number,
        FieldType::Boolean => Kind::Boolean,
        FieldType::DateTime => Kind::DateTime,
        FieldType::MultiSelect | FieldType::Array => Kind::List,
        FieldType::RawJson => Kind::Json,
        _ => Kind::Text,
    }
}

/// Compiles a GraphQL-shaped filter over `object`.
pub fn compile(object: &Object, filter: &Value) -> Result<Condition, Error> {
    let mut condition = Condition::default();
    condition.sql = node(object, filter, "filter", 0, &mut condition.binds)?;
    Ok(condition)
}

/// How deeply `and`, `or` and `not` may nest in one filter. Real filters
/// use a handful of levels; the limit keeps the compiler's recursion (and
/// SQLite's expression tree) far from any stack.
pub const MAX_FILTER_DEPTH: usize = 32;

fn too_deep(at: &str) -> Error {
    bad(format!("{at}: the filter nests and/or/not more than {MAX_FILTER_DEPTH} levels deep"))
}

fn node(object: &Object, filter: &Value, at: &str, depth: usize, binds: &mut Vec<SqlValue>) -> Result<String, Error> {
    if depth > MAX_FILTER_DEPTH {
        return Err(too_deep(at));
    }
    let Value::Object(entries) = filter else {
        return Err(bad(format!("{at}: a filter must be an object of fields, and, or, not")));
    };
    let mut parts = Vec::new();
    for (key, value) in entries {
        let here = format!("{at}.{key}");
        match key.as_str() {
            "and" | "or" => {
                let Value::Array(items) = value else { return Err(bad(format!("{here}: must be a list of filters"))) };
                let compiled = items
                    .iter()
                    .enumerate()
                    .map(|(index, item)| node(object, item, &format!("{here}[{index}]"), depth + 1, binds))
                    .collect::<Result<Vec<_>, _>>()?;
                let joiner = if key == "and" { " AND " } else { " OR " };
                parts.push(if compiled.is_empty() { "1".to_owned() } else { format!("({})", compiled.join(joiner)) });
            }
            "not" => parts.push(format!("NOT ({})", node(object, value, &here, depth + 1, binds)?)),
            name => {
                let Some(field) = object.field(name) else {
                    return Err(bad(format!(
                        "{here}: object {} has no field {name:?} (fields: {})",
                        object.name_singular,
                        object.field_names()
                    )));
                };
                if field.field_type.is_composite() {
                    let Value::Object(subs) = value else {
                        return Err(bad(format!("{here}: {name} is a {} field; filter its subfields", field.field_type.name())));
                    };
                    for (sub, operators) in subs {
                        let Some((_, sub_kind)) = field.field_type.subfields().iter().find(|(known, _)| known == sub) else {
                            let known: Vec<&str> = field.field_type.subfields().iter().map(|(known, _)| *known).collect();
                            return Err(bad(format!("{here}.{sub}: {name} has no subfield {sub:?} (subfields: {})", known.join(", "))));
                        };
                        let kind = match sub_kind {
                            Sub::Text => Kind::Text,
                            Sub::Number => Kind::Number,
                            Sub::Json => Kind::Json,
                        };
                        parts.push(leaf(
                            &format!("json_extract(data, '$.{name}.{sub}')"),
                            kind,
                            operators,
                            &format!("{here}.{sub}"),
                            binds,
                        )?);
                    }
                } else {
                    parts.push(leaf(&column(name), kind_of(field.field_type), value, &here, binds)?);
                }
            }
        }
    }
    Ok(if parts.is_empty() { "1".to_owned() } else { parts.join(" AND ") })
}

fn leaf(path: &str, kind: Kind, operators: &Value, at: &str, binds: &mut Vec<SqlValue>) -> Result<String, Error> {
    let Value::Object(operators) = operators else {
        return Err(bad(format!("{at}: give comparisons as an object, e.g. {{ \"eq\": ... }} ({})", OPERATORS.join(", "))));
    };
    let mut parts = Vec::new();
    for (operator, value) in operators {
        let here = format!("{at}.{operator}");
        let sql = match operator.as_str() {
            "eq" | "neq" | "gt" | "gte" | "lt" | "lte" => {
                if kind == Kind::List || kind == Kind::Json {
                    return Err(bad(format!("{here}: not available on a list or JSON field")));
                }
                let symbol = match operator.as_str() {
                    "eq" => "=",
                    "neq" => "!=",
                    "gt" => ">",
                    "gte" => ">=",
                    "lt" => "<",
                    _ => "<=",
                };
                binds.push(scalar(kind, value, &here)?);
                format!("{} {symbol} ?", numeric(path, kind))
            }
            "in" => {
                let Value::Array(items) = value else { return Err(bad(format!("{here}: must be a list of values"))) };
                if items.is_empty() {
                    "0".to_owned()
                } else {
                    for (index, item) in items.iter().enumerate() {
                        binds.push(scalar(kind, item, &format!("{here}[{index}]"))?);
                    }
                    format!("{} IN ({})", numeric(path, kind), vec!["?"; items.len()].join(", "))
                }
            }
            "is" => match value.as_str() {
                Some("NULL") => format!("{path} IS NULL"),
                Some("NOT_NULL") => format!("{path} IS NOT NULL"),
                _ => return Err(bad(format!("{here}: must be NULL or NOT_NULL"))),
            },
            "like" | "ilike" | "startsWith" | "endsWith" => {
                let text = value.as_str().ok_or_else(|| bad(format!("{here}: must be a string")))?;
                match operator.as_str() {
                    // LIKE in SQLite ignores ASCII case, as ilike does; like
                    // keeps case, so it becomes the equivalent GLOB.
                    "ilike" => {
                        binds.push(SqlValue::Text(text.to_owned()));
                        format!("{path} LIKE ?")
                    }
                    "like" => {
                        binds.push(SqlValue::Text(like_to_glob(text)));
                        format!("{path} GLOB ?")
                    }
                    "startsWith" => {
                        binds.push(SqlValue::Int(text.chars().count() as i64));
                        binds.push(SqlValue::Text(text.to_owned()));
                        format!("substr({path}, 1, ?) = ?")
                    }
                    _ => {
                        binds.push(SqlValue::Int(text.chars().count() as i64));
                        binds.push(SqlValue::Text(text.to_owned()));
                        format!("substr({path}, -?) = ?")
                    }
                }
            }
            "containsAny" => {
                if kind != Kind::List {
                    return Err(bad(format!("{here}: only for multi-select and array fields")));
                }
                let Value::Array(items) = value else { return Err(bad(format!("{here}: must be a list of values"))) };
                if items.is_empty() {
                    "0".to_owned()
                } else {
                    for (index, item) in items.iter().enumerate() {
                        binds.push(scalar(Kind::Text, item, &format!("{here}[{index}]"))?);
                    }
                    let list = path.replacen("json_extract(data, ", "json_each(data, ", 1);
                    format!("EXISTS (SELECT 1 FROM {list} WHERE value IN ({}))", vec!["?"; items.len()].join(", "))
                }
            }
            "containsIlike" => {
                if kind != Kind::List {
                    return Err(bad(format!("{here}: only for multi-select and array fields")));
                }
                let text = value.as_str().ok_or_else(|| bad(format!("{here}: must be a string")))?;
                binds.push(SqlValue::Text(text.to_owned()));
                let list = path.replacen("json_extract(data, ", "json_each(data, ", 1);
                format!("EXISTS (SELECT 1 FROM {list} WHERE value LIKE ?)")
            }
            "isEmptyArray" => {
                let empty = value.as_bool().ok_or_else(|| bad(format!("{here}: must be true or false")))?;
                let length = format!("coalesce(json_array_length({path}), 0)");
                if empty { format!("{length} = 0") } else { format!("{length} > 0") }
            }
            other => return Err(bad(format!("{here}: unknown comparison {other:?} (use {})", OPERATORS.join(", ")))),
        };
        parts.push(sql);
    }
    Ok(if parts.is_empty() { "1".to_owned() } else { parts.join(" AND ") })
}

/// A number field's path as a number: NUMERIC values may be stored as
/// decimal strings, which SQLite would otherwise compare as text.
fn numeric(path: &str, kind: Kind) -> String {
    if kind == Kind::Number { format!("CAST({path} AS REAL)") } else { path.to_owned() }
}

/// A comparison value as bound SQL: REST gives every value as a string, so
/// numbers and booleans are read from strings too.
fn scalar(kind: Kind, value: &Value, at: &str) -> Result<SqlValue, Error> {
    match (kind, value) {
        (Kind::Number, Value::Number(number)) => Ok(SqlValue::Real(number.as_f64().unwrap_or_default())),
        (Kind::Number, Value::String(text)) => {
            text.trim().parse::<f64>().map(SqlValue::Real).map_err(|_| bad(format!("{at}: {text:?} is not a number")))
        }
        (Kind::Boolean, Value::Bool(flag)) => Ok(SqlValue::Int(i64::from(*flag))),
        (Kind::Boolean, Value::String(text)) if text == "true" || text == "false" => Ok(SqlValue::Int(i64::from(text == "true"))),
        (Kind::DateTime, Value::String(text)) => super::values::normalize_datetime(text)
            .map(SqlValue::Text)
            .ok_or_else(|| bad(format!("{at}: {text:?} is not an ISO 8601 date-time"))),
        (Kind::Text | Kind::Json, Value::String(text)) => Ok(SqlValue::Text(text.clone())),
        (Kind::Text, Value::Number(number)) => Ok(SqlValue::Text(number.to_string())),
        (Kind::Number, _) => Err(bad(format!("{at}: expected a number, got {value}"))),
        (Kind::Boolean, _) => Err(bad(format!("{at}: expected true or false, got {value}"))),
        _ => Err(bad(format!("{at}: expected a string, got {value}"))),
    }
}

/// SQL LIKE pattern (`%`, `_`) as the case-sensitive GLOB equivalent.
fn like_to_glob(pattern: &str) -> String {
    let mut glob = String::new();
    for c in pattern.chars() {
        match c {
            '%' => glob.push('*'),
            '_' => glob.push('?'),
            '*' | '?' | '[' => {
                glob.push('[');
                glob.push(c);
                glob.push(']');
            }
            other => glob.push(other),
        }
    }
    glob
}

/// One key of an ordering: the SQL expression, where the value sits in a
/// record (a JSON pointer), and the direction.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderTerm {
    pub sql: String,
    pub pointer: String,
    pub descending: bool,
    pub nulls_first: bool,
}

impl OrderTerm {
    fn sql(&self) -> String {
        let direction = if self.descending { "DESC" } else { "ASC" };
        let nulls = if self.nulls_first { "NULLS FIRST" } else { "NULLS LAST" };
        format!("{} {direction} {nulls}", self.sql)
    }

    /// The same key walked the other way (for pages before a cursor).
    fn reversed(&self) -> Self {
        Self { descending: !self.descending, nulls_first: !self.nulls_first, ..self.clone() }
    }
}

/// Reads an orderBy list (`[{ name: "AscNullsFirst" }, { name: { firstName: "DescNullsLast" } }]`,
/// or one such object) into its keys; `id` always ends it, so every
/// record has one place.
pub fn order_terms(object: &Object, order_by: Option<&Value>) -> Result<Vec<OrderTerm>, Error> {
    let items: Vec<&Value> = match order_by {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items.iter().collect(),
        Some(item @ Value::Object(_)) => vec![item],
        Some(other) => return Err(bad(format!("orderBy: expected a list of {{field: direction}}, got {other}"))),
    };
    let mut terms = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Value::Object(entries) = item else { return Err(bad(format!("orderBy[{index}]: expected {{field: direction}}"))) };
        for (name, direction) in entries {
            let here = format!("orderBy[{index}].{name}");
            let field = object.field(name).ok_or_else(|| {
                bad(format!("{here}: object {} has no field {name:?} (fields: {})", object.name_singular, object.field_names()))
            })?;
            match direction {
                Value::Object(subs) if field.field_type.is_composite() => {
                    for (sub, direction) in subs {
                        if !field.field_type.subfields().iter().any(|(known, _)| known == sub) {
                            return Err(bad(format!("{here}.{sub}: {name} has no subfield {sub:?}")));
                        }
                        let (descending, nulls_first) = direction_of(direction, &format!("{here}.{sub}"))?;
                        terms.push(OrderTerm {
                            sql: format!("json_extract(data, '$.{name}.{sub}')"),
                            pointer: format!("/{name}/{sub}"),
                            descending,
                            nulls_first,
                        });
                    }
                }
                direction => {
                    let (descending, nulls_first) = direction_of(direction, &here)?;
                    terms.push(OrderTerm { sql: column(name), pointer: format!("/{name}"), descending, nulls_first });
                }
            }
        }
    }
    if !terms.iter().any(|term| term.sql == "id") {
        terms.push(OrderTerm { sql: "id".to_owned(), pointer: "/id".to_owned(), descending: false, nulls_first: true });
    }
    Ok(terms)
}

/// The ORDER BY list of `terms`, walked backwards when `reverse`.
pub fn order_sql(terms: &[OrderTerm], reverse: bool) -> String {
    terms.iter().map(|term| if reverse { term.reversed().sql() } else { term.sql() }).collect::<Vec<_>>().join(", ")
}

fn direction_of(direction: &Value, at: &str) -> Result<(bool, bool), Error> {
    match direction.as_str() {
        Some("AscNullsFirst") => Ok((false, true)),
        Some("AscNullsLast") => Ok((false, false)),
        Some("DescNullsFirst") => Ok((true, true)),
        Some("DescNullsLast") => Ok((true, false)),
        _ => Err(bad(format!("{at}: direction must be one of {}, got {direction}", DIRECTIONS.join(", ")))),
    }
}

fn bind_value(value: &Value) -> Option<SqlValue> {
    match value {
        Value::String(text) => Some(SqlValue::Text(text.clone())),
        Value::Number(number) => {
            Some(number.as_i64().map(SqlValue::Int).unwrap_or_else(|| SqlValue::Real(number.as_f64().unwrap_or_default())))
        }
        Value::Bool(flag) => Some(SqlValue::Int(i64::from(*flag))),
        _ => None,
    }
}

/// A keyset condition: the rows strictly after (`forward`) or before the
/// row whose ordering values are `values`, in the order of `terms`. NULLs
/// sit first or last as each term says; ties fall through to the next term
/// and finally to `id`.
pub fn seek(terms: &[OrderTerm], values: &[Value], forward: bool, binds: &mut Vec<SqlValue>) -> String {
    let mut alternatives = Vec::new();
    for (index, term) in terms.iter().enumerate() {
        let mut parts = Vec::new();
        for (earlier, value) in terms[..index].iter().zip(values) {
            match bind_value(value) {
                Some(bound) => {
                    binds.push(bound);
                    parts.push(format!("{} = ?", earlier.sql));
                }
                None => parts.push(format!("{} IS NULL", earlier.sql)),
            }
        }
        // Whether NULLs come before every value in the walking direction.
        let nulls_lead = term.nulls_first == forward;
        let beyond = match values.get(index).and_then(bind_value) {
            None if nulls_lead => format!("{} IS NOT NULL", term.sql),
            None => "0".to_owned(),
            Some(bound) => {
                binds.push(bound);
                // Ascending and walking forward (or descending and walking
                // back), the rows beyond hold greater values.
                let greater = term.descending != forward;
                let comparison = format!("{} {} ?", term.sql, if greater { ">" } else { "<" });
                if nulls_lead { comparison } else { format!("({comparison} OR {} IS NULL)", term.sql) }
            }
        };
        parts.push(beyond);
        alternatives.push(format!("({})", parts.join(" AND ")));
    }
    alternatives.join(" OR ")
}

/// The values of `terms` in `record`, as a cursor holds them.
pub fn cursor_values(terms: &[OrderTerm], record: &Value) -> Vec<Value> {
    terms.iter().map(|term| record.pointer(&term.pointer).cloned().unwrap_or(Value::Null)).collect()
}

/// Reads REST's `filter=` grammar into the GraphQL-shaped filter:
/// `field[op]:value`, `field.sub[op]:value`, `and(...)`, `or(...)`,
/// `not(...)`; a bare list of conditions means `and`.
pub fn parse_rest_filter(text: &str) -> Result<Value, Error> {
    let text = text.trim();
    let opens = text.matches('(').count();
    let closes = text.matches(')').count();
    if opens != closes {
        return Err(bad(format!("'filter' invalid: {opens} opening and {closes} closing bracket(s)")));
    }
    if bracket_depth(text) > MAX_FILTER_DEPTH {
        return Err(too_deep("'filter' invalid"));
    }
    if !text.contains('(') {
        return conjunction("and", text);
    }
    rest_node(text)
}

fn rest_node(text: &str) -> Result<Value, Error> {
    let text = text.trim();
    for word in ["and", "or", "not"] {
        if let Some(inner) = text.strip_prefix(word).and_then(|rest| rest.strip_prefix('(')).and_then(|rest| rest.strip_suffix(')')) {
            return conjunction(word, inner);
        }
    }
    rest_leaf(text)
}

fn conjunction(word: &str, inner: &str) -> Result<Value, Error> {
    let items = split_top_level(inner).into_iter().map(rest_node).collect::<Result<Vec<_>, _>>()?;
    if word == "not" {
        let [only] = <[Value; 1]>::try_from(items)
            .map_err(|_| bad("'filter' invalid: not(...) takes exactly one condition, e.g. not(field[eq]:1)".to_owned()))?;
        let mut object = Map::new();
        object.insert("not".into(), only);
        return Ok(Value::Object(object));
    }
    let mut object = Map::new();
    object.insert(word.into(), Value::Array(items));
    Ok(Value::Object(object))
}

/// The deepest nesting of parentheses outside quotes, read without recursion
/// so that the recursive reader below only ever sees bounded input.
fn bracket_depth(text: &str) -> usize {
    let (mut depth, mut deepest, mut quote) = (0_usize, 0_usize, None::<char>);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, ')') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Splits on commas outside brackets, parentheses and quotes.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut quote, mut start) = (0_i32, None::<char>, 0);
    for (index, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts.into_iter().filter(|part| !part.trim().is_empty()).collect()
}

fn unquote(text: &str) -> String {
    let text = text.trim();
    for q in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) {
            return text[1..text.len() - 1].to_owned();
        }
    }
    text.to_owned()
}

fn rest_leaf(text: &str) -> Result<Value, Error> {
    let example = "e.g. price[gte]:10";
    let open = text.find('[').ok_or_else(|| bad(format!("'filter' invalid for {text:?}, {example}")))?;
    let close = text[open..].find("]:").map(|at| at + open).ok_or_else(|| bad(format!("'filter' invalid for {text:?}, {example}")))?;
    let (path, operator, raw) = (text[..open].trim(), &text[open + 1..close], &text[close + 2..]);
    if path.is_empty() || raw.is_empty() {
        return Err(bad(format!("'filter' invalid for {text:?}, {example}")));
    }
    if !OPERATORS.contains(&operator) {
        return Err(bad(format!("'filter' invalid for {text:?}: comparator {operator:?} not in {}", OPERATORS.join(", "))));
    }
    let value = match operator {
        "in" | "containsAny" => {
            let inner = raw.trim().strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).ok_or_else(|| {
                bad(format!("'filter' invalid for {text:?}: {operator} takes a list, e.g. field[{operator}]:[value_1,value_2]"))
            })?;
            Value::Array(split_top_level(inner).into_iter().map(|item| Value::String(unquote(item))).collect())
        }
        "isEmptyArray" => Value::Bool(raw.trim() == "true"),
        _ => Value::String(unquote(raw)),
    };
    let mut leaf = Map::new();
    leaf.insert(operator.to_owned(), value);
    let mut node = Value::Object(leaf);
    for segment in path.split('.').rev() {
        let mut wrapper = Map::new();
        wrapper.insert(segment.to_owned(), node);
        node = Value::Object(wrapper);
    }
    Ok(node)
}

/// Reads REST's `order_by=` grammar: `name[AscNullsFirst],name.firstName[DescNullsLast],createdAt`.
pub fn parse_rest_order(text: &str) -> Result<Value, Error> {
    let mut items = Vec::new();
    for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let (path, direction) = match item.split_once('[') {
            Some((path, rest)) => (path, rest.strip_suffix(']').unwrap_or(rest)),
            None => (item, "AscNullsFirst"),
        };
        if !DIRECTIONS.contains(&direction) {
            return Err(bad(format!(
                "'order_by' direction {direction:?} invalid; allowed: {}, e.g. ?order_by=field_1[AscNullsFirst],field_2[DescNullsLast],field_3",
                DIRECTIONS.join(", ")
            )));
        }
        let mut node = Value::String(direction.to_owned());
        for segment in path.split('.').rev() {
            let mut wrapper = Map::new();
            wrapper.insert(segment.to_owned(), node);
            node = Value::Object(wrapper);
        }
        items.push(node);
    }
    Ok(Value::Array(items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn company() -> Object {
        super::super::model::Model::build(std::iter::empty()).expect("model").object("company").cloned().expect("company")
    }

    #[test]
    fn rest_filters_read_as_graphql_filters() {
        assert_eq!(parse_rest_filter(r#"name[eq]:"Acme""#).expect("leaf"), json!({ "and": [{ "name": { "eq": "Acme" } }] }));
        assert_eq!(
            parse_rest_filter(r#"or(name[ilike]:"%a,b%",not(address.addressCity[in]:["Paris",Lyon]))"#).expect("tree"),
            json!({ "or": [{ "name": { "ilike": "%a,b%" } }, { "not": { "address": { "addressCity": { "in": ["Paris", "Lyon"] } } } }] })
        );
        assert!(parse_rest_filter("and(name[eq]:1").expect_err("brackets").to_string().contains("bracket"));
        assert!(parse_rest_filter("name[near]:1").expect_err("operator").to_string().contains("near"));
        let nested = |levels: usize| format!("{}name[eq]:1{}", "not(".repeat(levels), ")".repeat(levels));
        assert!(parse_rest_filter(&nested(MAX_FILTER_DEPTH)).is_ok());
        assert!(parse_rest_filter(&nested(MAX_FILTER_DEPTH + 1)).expect_err("deep").to_string().contains("more than 32 levels"));
        let quoted = format!("name[eq]:\"{}{}\"", "(".repeat(40), ")".repeat(40));
        assert!(parse_rest_filter(&quoted).is_ok(), "brackets in quotes are not nesting");
        assert_eq!(
            parse_rest_order("name[DescNullsLast],address.addressCity").expect("order"),
            json!([{ "name": "DescNullsLast" }, { "address": { "addressCity": "AscNullsFirst" } }])
        );
    }

    #[test]
    fn filters_compile_to_bound_sql_and_name_what_is_wrong() {
        let object = company();
        let compiled =
            compile(&object, &json!({ "or": [{ "name": { "eq": "Acme" } }, { "address": { "addressCity": { "in": ["Paris"] } } }] }))
                .expect("compile");
        assert_eq!(compiled.sql, "(json_extract(data, '$.name') = ? OR json_extract(data, '$.address.addressCity') IN (?))");
        assert_eq!(compiled.binds, vec![SqlValue::Text("Acme".into()), SqlValue::Text("Paris".into())]);
        let error = compile(&object, &json!({ "nmae": { "eq": "x" } })).expect_err("unknown field");
        assert!(error.to_string().contains("filter.nmae") && error.to_string().contains("no field"), "{error}");
        let error = compile(&object, &json!({ "annualRevenue": { "amountMicros": { "gt": "lots" } } })).expect_err("type");
        assert!(error.to_string().contains("filter.annualRevenue.amountMicros.gt"), "{error}");
        assert_eq!(
            order_sql(&order_terms(&object, Some(&json!([{ "name": "DescNullsLast" }]))).expect("order"), false),
            "json_extract(data, '$.name') DESC NULLS LAST, id ASC NULLS FIRST"
        );
    }

    #[test]
    fn keyset_seeks_respect_direction_and_null_placement() {
        let object = company();
        let terms = order_terms(&object, Some(&json!([{ "name": "DescNullsLast" }]))).expect("terms");
        let mut binds = Vec::new();
        let after = seek(&terms, &[json!("M"), json!("id-1")], true, &mut binds);
        assert_eq!(
            after,
            "((json_extract(data, '$.name') < ? OR json_extract(data, '$.name') IS NULL)) OR (json_extract(data, '$.name') = ? AND id > ?)"
        );
        assert_eq!(binds, vec![SqlValue::Text("M".into()), SqlValue::Text("M".into()), SqlValue::Text("id-1".into())]);
        let mut binds = Vec::new();
        let before_null = seek(&terms, &[Value::Null, json!("id-1")], false, &mut binds);
        assert_eq!(
            before_null,
            "(json_extract(data, '$.name') IS NOT NULL) OR (json_extract(data, '$.name') IS NULL AND (id < ? OR id IS NULL))"
        );
    }
}
