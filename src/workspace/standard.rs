//! The rest of a new Twenty 2.43 workspace's standard data model, read from
//! `standard_model.json` (facts gathered from Twenty's server source; its
//! `source` field says which versions): every standard object the
//! hand-written core of `model.rs` does not define (timelineActivity,
//! calendarEvent, message, attachment, ...) with its fields, select options
//! and many-to-one relations (morph relations are one field per target, as
//! Twenty stores them). One-to-many sides are not columns: they are named
//! by the many-to-one side's inverse, as for app relations.

use super::model::{Field, FieldType, Object};
use serde_json::{Map, Value};

/// The base fields every object has; `model.rs` adds its own versions.
const BASE_FIELDS: &[&str] = &["id", "createdAt", "updatedAt", "deletedAt", "createdBy", "updatedBy", "position", "searchVector"];

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// Twenty writes text defaults as SQL literals (`'NEW'`); of the generated
/// ones, `now` is kept (see `Field::initial`) and `uuid` left to the workspace.
fn default_value(value: Option<&Value>) -> Value {
    match value {
        Some(Value::String(literal)) if literal == super::model::NOW => Value::String(literal.clone()),
        Some(Value::String(literal)) if literal.len() >= 2 && literal.starts_with('\'') && literal.ends_with('\'') => {
            Value::String(literal[1..literal.len() - 1].to_owned())
        }
        Some(Value::String(_)) | None | Some(Value::Null) => Value::Null,
        Some(Value::Object(_)) => Value::Null,
        Some(other) => other.clone(),
    }
}

/// The field a standard field becomes here, if it is stored.
fn field(object: &str, spec: &Value) -> Option<Field> {
    let name = text(spec, "name");
    let type_name = text(spec, "type");
    let relation = spec.get("relation");
    let (field_type, name, relation, inverse) = match type_name {
        "RELATION" | "MORPH_RELATION" => {
            let relation = relation?;
            if text(relation, "type") != "MANY_TO_ONE" {
                return None;
            }
            let column = relation.get("joinColumn").and_then(Value::as_str).map(str::to_owned).unwrap_or_else(|| format!("{name}Id"));
            let target = text(relation, "target").to_owned();
            let inverse = relation.get("inverse").and_then(Value::as_str).map(str::to_owned);
            (FieldType::RelationId, column, Some((name.to_owned(), target)), inverse)
        }
        "FILES" => (FieldType::RawJson, name.to_owned(), None, None),
        other => (FieldType::parse(other)?, name.to_owned(), None, None),
    };
    let options = spec
        .get("options")
        .and_then(Value::as_array)
        .map(|options| options.iter().filter_map(|option| option.get("value").and_then(Value::as_str).map(str::to_owned)).collect())
        .unwrap_or_default();
    let default = if field_type.is_composite() { Value::Null } else { default_value(spec.get("default")) };
    Some(Field {
        name,
        universal_identifier: spec
            .get("universalIdentifier")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{object}.{}", text(spec, "name"))),
        field_type,
        label: spec.get("label").and_then(Value::as_str).unwrap_or(text(spec, "name")).to_owned(),
        nullable: spec.get("nullable").and_then(Value::as_bool).unwrap_or(true),
        options,
        default,
        relation,
        inverse,
        system: false,
    })
}

/// The standard objects not in `known`, each with the base fields `base`
/// makes from its field identifiers.
pub(super) fn objects(known: &[&str], base: impl Fn(&Map<String, Value>) -> Vec<Field>) -> Vec<Object> {
    let model: Value = serde_json::from_str(include_str!("standard_model.json")).unwrap_or(Value::Null);
    let Some(list) = model.get("objects").and_then(Value::as_array) else { return Vec::new() };
    let mut objects = Vec::new();
    for spec in list {
        let singular = text(spec, "nameSingular");
        if singular.is_empty() || known.contains(&singular) {
            continue;
        }
        let specs = spec.get("fields").and_then(Value::as_array).cloned().unwrap_or_default();
        let ids: Map<String, Value> = specs.iter().map(|spec| (text(spec, "name").to_owned(), spec.clone())).collect();
        let mut fields = base(&ids);
        fields.extend(specs.iter().filter(|spec| !BASE_FIELDS.contains(&text(spec, "name"))).filter_map(|spec| field(singular, spec)));
        objects.push(Object {
            name_singular: singular.to_owned(),
            name_plural: text(spec, "namePlural").to_owned(),
            label_singular: text(spec, "labelSingular").to_owned(),
            label_plural: text(spec, "labelPlural").to_owned(),
            universal_identifier: text(spec, "universalIdentifier").to_owned(),
            is_custom: false,
            fields,
            app: None,
        });
    }
    objects
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_standard_object_of_a_new_workspace_is_read() {
        let objects = objects(&["person", "company", "opportunity", "note", "task", "workspaceMember"], |_| Vec::new());
        assert_eq!(objects.len(), 33, "39 standard objects less the 6 of model.rs");
        let activity = objects.iter().find(|object| object.name_singular == "timelineActivity").expect("timelineActivity");
        assert_eq!(activity.name_plural, "timelineActivities");
        let person = activity.fields.iter().find(|field| field.name == "targetPersonId").expect("morph target column");
        assert_eq!(person.relation, Some(("targetPerson".to_owned(), "person".to_owned())));
        assert_eq!(person.field_type, FieldType::RelationId);
        let event = objects.iter().find(|object| object.name_singular == "calendarEvent").expect("calendarEvent");
        assert!(event.fields.iter().any(|field| field.name == "title" && field.field_type == FieldType::Text));
    }

    #[test]
    fn sql_literal_defaults_become_values() {
        assert_eq!(default_value(Some(&Value::from("'NEW'"))), Value::from("NEW"));
        assert_eq!(default_value(Some(&Value::from("''"))), Value::from(""));
        assert_eq!(default_value(Some(&Value::from("now"))), Value::from("now"));
        assert_eq!(default_value(Some(&Value::from("uuid"))), Value::Null);
        assert_eq!(default_value(Some(&Value::from(false))), Value::from(false));
    }
}
