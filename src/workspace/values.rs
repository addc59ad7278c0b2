//! Checking record input against an object's fields: every key must be a
//! writable field, every value must fit its field type (composite values by
//! subfield), date-times are normalized to UTC with milliseconds so they
//! compare as text, and a record has a size limit. Errors name the field
//! path and what was expected.

use super::Error;
use super::model::{FieldType, Object, Sub};
use serde_json::{Map, Value};

/// Largest record, as JSON bytes.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;

/// An ISO 8601 date-time as stored: UTC, milliseconds, `Z`.
pub fn normalize_datetime(text: &str) -> Option<String> {
    let parsed = chrono::DateTime::parse_from_rfc3339(text.trim()).ok()?;
    Some(parsed.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// Now, as stored.
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn bad(message: String) -> Error {
    Error::BadRequest(message)
}

/// Checks `input` (a record's fields) for `object`; returns the fields as
/// they will be stored. `at` names where the input came from (`data`,
/// `data[2]`).
pub fn check_input(object: &Object, input: &Value, at: &str, creating: bool) -> Result<Map<String, Value>, Error> {
    let Value::Object(entries) = input else {
        return Err(bad(format!("{at}: a record must be a JSON object of fields")));
    };
    let mut checked = Map::new();
    for (name, value) in entries {
        let here = format!("{at}.{name}");
        let Some(field) = object.field(name) else {
            if let Some(relation) = object.fields.iter().find(|field| field.relation.as_ref().is_some_and(|(relation, _)| relation == name))
            {
                return Err(bad(format!("{here}: set the relation through {} (the related record's id)", relation.name)));
            }
            return Err(bad(format!("{here}: object {} has no field {name:?} (fields: {})", object.name_singular, object.field_names())));
        };
        if field.system && !(creating && name == "id") {
            return Err(bad(format!("{here}: {name} is set by the workspace and cannot be written")));
        }
        checked.insert(name.clone(), check_value(field.field_type, &field.options, value, &here)?);
    }
    Ok(checked)
}

/// Checks one value for a field of `field_type`.
pub fn check_value(field_type: FieldType, options: &[String], value: &Value, at: &str) -> Result<Value, Error> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let expected = |what: &str| bad(format!("{at}: expected {what} for a {} field, got {value}", field_type.name()));
    match field_type {
        FieldType::Uuid | FieldType::RelationId => match value.as_str().and_then(|text| uuid::Uuid::parse_str(text).ok()) {
            Some(id) => Ok(Value::String(id.hyphenated().to_string())),
            None => Err(expected("a UUID")),
        },
        FieldType::Text | FieldType::Rating => value.as_str().map(|_| value.clone()).ok_or_else(|| expected("a string")),
        FieldType::Number | FieldType::Position => value.as_f64().map(|_| value.clone()).ok_or_else(|| expected("a number")),
        FieldType::Numeric => match value {
            Value::Number(_) => Ok(value.clone()),
            Value::String(text) if text.trim().parse::<f64>().is_ok() => Ok(value.clone()),
            _ => Err(expected("a number")),
        },
        FieldType::Boolean => value.as_bool().map(Value::Bool).ok_or_else(|| expected("true or false")),
        FieldType::DateTime => value
            .as_str()
            .and_then(normalize_datetime)
            .map(Value::String)
            .ok_or_else(|| expected("an ISO 8601 date-time such as 2026-01-31T09:30:00Z")),
        FieldType::Date => value
            .as_str()
            .filter(|text| chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok())
            .map(|_| value.clone())
            .ok_or_else(|| expected("a date such as 2026-01-31")),
        FieldType::Select => {
            let text = value.as_str().ok_or_else(|| expected("one of the options"))?;
            if !options.is_empty() && !options.iter().any(|option| option == text) {
                return Err(bad(format!("{at}: {text:?} is not an option (options: {})", options.join(", "))));
            }
            Ok(value.clone())
        }
        FieldType::MultiSelect | FieldType::Array => {
            let items = value.as_array().ok_or_else(|| expected("a list of strings"))?;
            for (index, item) in items.iter().enumerate() {
                let text = item.as_str().ok_or_else(|| bad(format!("{at}[{index}]: expected a string, got {item}")))?;
                if field_type == FieldType::MultiSelect && !options.is_empty() && !options.iter().any(|option| option == text) {
                    return Err(bad(format!("{at}[{index}]: {text:?} is not an option (options: {})", options.join(", "))));
                }
            }
            Ok(value.clone())
        }
        FieldType::RawJson => Ok(value.clone()),
        composite => {
            let Value::Object(subs) = value else { return Err(expected("an object of subfields")) };
            let mut checked = Map::new();
            for (sub, sub_value) in subs {
                let Some((_, kind)) = composite.subfields().iter().find(|(known, _)| known == sub) else {
                    let known: Vec<&str> = composite.subfields().iter().map(|(known, _)| *known).collect();
                    return Err(bad(format!(
                        "{at}.{sub}: a {} value has no subfield {sub:?} (subfields: {})",
                        composite.name(),
                        known.join(", ")
                    )));
                };
                let fits = match (kind, sub_value) {
                    (_, Value::Null) | (Sub::Json, _) | (Sub::Text, Value::String(_)) | (Sub::Number, Value::Number(_)) => true,
                    (Sub::Number, Value::String(text)) => text.trim().parse::<f64>().is_ok(),
                    _ => false,
                };
                if !fits {
                    let what = if *kind == Sub::Number { "a number" } else { "a string" };
                    return Err(bad(format!("{at}.{sub}: expected {what}, got {sub_value}")));
                }
                let stored = match (kind, sub_value) {
                    (Sub::Number, Value::String(text)) => {
                        text.trim().parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number).unwrap_or(Value::Null)
                    }
                    _ => sub_value.clone(),
                };
                checked.insert(sub.clone(), stored);
            }
            Ok(Value::Object(checked))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_checked_by_field_type_and_named_on_error() {
        let model = super::super::model::Model::build(std::iter::empty()).expect("model");
        let person = model.object("person").expect("person");
        let checked = check_input(person, &json!({ "name": { "firstName": "Ada" }, "jobTitle": "Engineer" }), "data", true).expect("valid");
        assert_eq!(checked["name"], json!({ "firstName": "Ada" }));
        let error = check_input(person, &json!({ "name": { "first": "Ada" } }), "data", true).expect_err("subfield");
        assert!(error.to_string().contains("data.name.first"), "{error}");
        let error = check_input(person, &json!({ "company": {} }), "data", true).expect_err("relation");
        assert!(error.to_string().contains("companyId"), "{error}");
        let error = check_input(person, &json!({ "createdAt": "2026-01-01T00:00:00Z" }), "data", false).expect_err("system");
        assert!(error.to_string().contains("data.createdAt"), "{error}");
        let opportunity = model.object("opportunity").expect("opportunity");
        let error = check_input(opportunity, &json!({ "stage": "WON" }), "data", true).expect_err("option");
        assert!(error.to_string().contains("NEW, SCREENING"), "{error}");
        assert_eq!(normalize_datetime("2026-01-31T10:30:00+01:00").as_deref(), Some("2026-01-31T09:30:00.000Z"));
    }
}
