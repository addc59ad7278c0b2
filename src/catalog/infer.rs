//! Infers a tool's input schema from a function file's source when the app
//! declares none, with the same purely syntactic rules as Twenty's CLI: the
//! first parameter of the first top-level function or arrow-function
//! variable gives the schema, if its type is an inline object type;
//! otherwise the result is an empty object schema.

use deno_ast::ProgramRef;
use deno_ast::swc::ast::{
    Decl, Expr, ModuleDecl, ModuleItem, Param, Pat, Stmt, TsEntityName, TsKeywordTypeKind, TsLit, TsType, TsTypeElement,
    TsUnionOrIntersectionType,
};
use serde_json::{Map, Value, json};
use std::path::Path;

/// Twenty's fallback tool input schema.
pub(crate) fn empty_object_schema() -> Value {
    json!({ "type": "object", "properties": {} })
}

fn string_literal_argument(params: Option<&deno_ast::swc::ast::TsTypeParamInstantiation>) -> Option<String> {
    let first = params?.params.first()?;
    match first.as_ref() {
        TsType::TsLitType(lit) => match &lit.lit {
            TsLit::Str(text) => Some(text.value.to_string_lossy().into_owned()),
            _ => None,
        },
        _ => None,
    }
}

fn twenty_record(ty: &TsType) -> Option<String> {
    match ty {
        TsType::TsTypeRef(reference) => match &reference.type_name {
            TsEntityName::Ident(ident) if ident.sym == *"TwentyRecord" => string_literal_argument(reference.type_params.as_deref()),
            _ => None,
        },
        _ => None,
    }
}

fn array_of(element: Option<&TsType>) -> Value {
    match element {
        Some(element) => match twenty_record(element) {
            Some(id) => json!({ "type": "records", "objectUniversalIdentifier": id }),
            None => json!({ "type": "array", "items": map_type(element) }),
        },
        None => json!({ "type": "array", "items": {} }),
    }
}

fn map_type(ty: &TsType) -> Value {
    match ty {
        TsType::TsKeywordType(keyword) => match keyword.kind {
            TsKeywordTypeKind::TsNumberKeyword => json!({ "type": "number" }),
            TsKeywordTypeKind::TsStringKeyword => json!({ "type": "string" }),
            TsKeywordTypeKind::TsBooleanKeyword => json!({ "type": "boolean" }),
            TsKeywordTypeKind::TsObjectKeyword => json!({ "type": "object" }),
            _ => json!({}),
        },
        TsType::TsTypeLit(literal) => {
            let mut properties = Map::new();
            for member in &literal.members {
                if let TsTypeElement::TsPropertySignature(property) = member {
                    let name = match property.key.as_ref() {
                        Expr::Ident(ident) => ident.sym.to_string(),
                        Expr::Lit(deno_ast::swc::ast::Lit::Str(text)) => text.value.to_string_lossy().into_owned(),
                        _ => continue,
                    };
                    let schema = property.type_ann.as_ref().map(|ann| map_type(&ann.type_ann)).unwrap_or_else(|| json!({}));
                    properties.insert(name, schema);
                }
            }
            json!({ "type": "object", "properties": properties })
        }
        TsType::TsArrayType(array) => array_of(Some(&array.elem_type)),
        TsType::TsTypeRef(reference) => {
            let TsEntityName::Ident(ident) = &reference.type_name else { return json!({}) };
            match ident.sym.as_ref() {
                "Array" | "ReadonlyArray" => array_of(reference.type_params.as_deref().and_then(|p| p.params.first()).map(|t| t.as_ref())),
                "TwentyRecord" => match string_literal_argument(reference.type_params.as_deref()) {
                    Some(id) => json!({ "type": "record", "objectUniversalIdentifier": id }),
                    None => json!({}),
                },
                _ => json!({}),
            }
        }
        TsType::TsUnionOrIntersectionType(TsUnionOrIntersectionType::TsUnionType(union)) => {
            let literals: Option<Vec<String>> = union
                .types
                .iter()
                .map(|member| match member.as_ref() {
                    TsType::TsLitType(lit) => match &lit.lit {
                        TsLit::Str(text) => Some(text.value.to_string_lossy().into_owned()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            match literals {
                Some(values) => json!({ "type": "string", "enum": values }),
                None => json!({}),
            }
        }
        TsType::TsParenthesizedType(inner) => map_type(&inner.type_ann),
        _ => json!({}),
    }
}

fn pattern_schema(pat: &Pat) -> Value {
    let annotation = match pat {
        Pat::Ident(binding) => binding.type_ann.as_ref(),
        Pat::Object(object) => object.type_ann.as_ref(),
        Pat::Array(array) => array.type_ann.as_ref(),
        Pat::Rest(rest) => rest.type_ann.as_ref(),
        Pat::Assign(assign) => return pattern_schema(&assign.left),
        _ => None,
    };
    annotation.map(|ann| map_type(&ann.type_ann)).unwrap_or_else(|| json!({}))
}

fn first_parameter(items: &[ModuleItem]) -> Option<Value> {
    for item in items {
        let decl = match item {
            ModuleItem::Stmt(Stmt::Decl(decl)) => decl,
            ModuleItem::ModuleDecl(ModuleDecl::ExportDecl(export)) => &export.decl,
            _ => continue,
        };
        match decl {
            Decl::Fn(function) => {
                if let Some(Param { pat, .. }) = function.function.params.first() {
                    return Some(pattern_schema(pat));
                }
            }
            Decl::Var(var) => {
                for declarator in &var.decls {
                    if let Some(Expr::Arrow(arrow)) = declarator.init.as_deref()
                        && let Some(pat) = arrow.params.first()
                    {
                        return Some(pattern_schema(pat));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// The inferred tool input schema for the function file at `path`.
pub(crate) fn tool_input_schema(path: &Path) -> Value {
    let Ok(text) = std::fs::read_to_string(path) else { return empty_object_schema() };
    let Ok(parsed) = crate::sandbox::parse(path, text) else { return empty_object_schema() };
    let ProgramRef::Module(module) = parsed.program_ref() else { return empty_object_schema() };
    match first_parameter(&module.body) {
        Some(schema) if schema.get("type") == Some(&json!("object")) && schema.get("properties").is_some() => {
            json!({ "type": "object", "properties": schema["properties"] })
        }
        _ => empty_object_schema(),
    }
}

/// Twenty's `jsonSchemaToInputSchema` for one node (workflow InputSchema).
pub(crate) fn to_workflow_property(schema: &Value) -> Value {
    let mut out = Map::new();
    let kind = match schema.get("type").and_then(Value::as_str) {
        Some(kind @ ("string" | "boolean" | "record" | "records")) => kind,
        Some("number" | "integer") => "number",
        Some("array") => "array",
        Some("object") => "object",
        _ => "unknown",
    };
    out.insert("type".into(), json!(kind));
    if kind == "array"
        && let Some(items) = schema.get("items")
    {
        out.insert("items".into(), to_workflow_property(items));
    }
    if kind == "object"
        && let Some(Value::Object(properties)) = schema.get("properties")
    {
        let converted: Map<String, Value> = properties.iter().map(|(k, v)| (k.clone(), to_workflow_property(v))).collect();
        out.insert("properties".into(), Value::Object(converted));
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        out.insert("enum".into(), Value::Array(values.iter().filter(|v| v.is_string()).cloned().collect()));
    }
    if schema.get("multiline") == Some(&Value::Bool(true)) {
        out.insert("multiline".into(), json!(true));
    }
    for key in ["label", "objectUniversalIdentifier"] {
        if let Some(Value::String(text)) = schema.get(key)
            && !text.is_empty()
        {
            out.insert(key.into(), json!(text));
        }
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn infer(source: &str) -> Value {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f.ts");
        std::fs::write(&path, source).expect("write");
        tool_input_schema(&path)
    }

    #[test]
    fn inline_object_types_become_properties() {
        let schema = infer(
            "const handler = async (input: { name: string; n?: number; tags: string[]; mode: 'a' | 'b'; rec: TwentyRecord<'x'>; many: Array<TwentyRecord<'y'>>; any: Date }) => 1;",
        );
        assert_eq!(
            schema,
            json!({ "type": "object", "properties": {
                "name": { "type": "string" }, "n": { "type": "number" },
                "tags": { "type": "array", "items": { "type": "string" } },
                "mode": { "type": "string", "enum": ["a", "b"] },
                "rec": { "type": "record", "objectUniversalIdentifier": "x" },
                "many": { "type": "records", "objectUniversalIdentifier": "y" },
                "any": {}
            }})
        );
    }

    #[test]
    fn aliases_inline_handlers_and_helpers_fall_back() {
        assert_eq!(infer("type A = { a: string }; const handler = (input: A) => 1;"), empty_object_schema());
        assert_eq!(infer("export default defineLogicFunction({ handler: (x: { a: string }) => 1 });"), empty_object_schema());
        assert_eq!(
            infer("function helper(x: { z: number }) {} const handler = (y: { a: string }) => 1;"),
            json!({ "type": "object", "properties": { "z": { "type": "number" } } })
        );
    }

    #[test]
    fn workflow_conversion_marks_unknown_types() {
        let converted = to_workflow_property(&json!({ "type": "object", "properties": { "a": { "type": "integer" }, "b": {} } }));
        assert_eq!(converted, json!({ "type": "object", "properties": { "a": { "type": "number" }, "b": { "type": "unknown" } } }));
    }
}
