//! The source rewrite Twenty's CLI applies to entity files before it runs
//! them: a command menu item's `conditionalAvailabilityExpression` written
//! as JavaScript (`objectMetadataItem.nameSingular === 'x' || isSelectAll`)
//! becomes a string in Twenty's expression language
//! (`"objectMetadataItem.nameSingular == 'x' or isSelectAll"`). The rules
//! are textual, as Twenty's are, so the same source gives the same string.

/// The property whose value is rewritten.
const KEY: &str = "conditionalAvailabilityExpression";

/// `source` with every unquoted `conditionalAvailabilityExpression: <expr>`
/// replaced by the expression's text as a string literal; `None` when
/// there is none.
pub(crate) fn rewrite(source: &str) -> Option<String> {
    if !source.contains(KEY) {
        return None;
    }
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    let mut changed = false;
    while let Some(at) = rest.find(KEY) {
        let after_key = at + KEY.len();
        out.push_str(&rest[..after_key]);
        rest = &rest[after_key..];
        let spaces = rest.len() - rest.trim_start().len();
        let Some(colon_rest) = rest[spaces..].strip_prefix(':') else { continue };
        let value_start = spaces + 1 + (colon_rest.len() - colon_rest.trim_start().len());
        let value = &rest[value_start..];
        if value.starts_with(['\'', '"', '`']) {
            continue;
        }
        let length = expression_length(value);
        if length == 0 {
            continue;
        }
        out.push_str(&rest[..value_start]);
        let converted = convert(value[..length].trim());
        out.push_str(&serde_json::Value::String(converted).to_string());
        rest = &value[length..];
        changed = true;
    }
    out.push_str(rest);
    changed.then_some(out)
}

/// How much of `text` the expression takes: characters other than `,`,
/// `}`, `(` and `)`, and parenthesised groups without nested parentheses.
fn expression_length(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b',' | b'}' | b')' => break,
            b'(' => match bytes[index + 1..].iter().position(|byte| matches!(byte, b'(' | b')')) {
                Some(offset) if bytes[index + 1 + offset] == b')' => index += offset + 2,
                _ => break,
            },
            _ => index += 1,
        }
    }
    index
}

/// JavaScript operators to Twenty's expression language.
fn convert(expression: &str) -> String {
    let text = expression.replace("!==", "!=").replace("===", "==").replace("&&", "and").replace("||", "or");
    let mut negated = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '!' && chars.peek() != Some(&'=') {
            negated.push_str("not ");
        } else {
            negated.push(c);
        }
    }
    let mut trimmed = String::with_capacity(negated.len());
    for (at, c) in negated.char_indices() {
        // A trailing comma before `)` goes.
        if c == ',' && negated[at + 1..].trim_start().starts_with(')') {
            continue;
        }
        trimmed.push(c);
    }
    let mut result = trimmed;
    for name in ["favoriteRecordIds", "selectedRecords"] {
        result = replace_length(&result, name);
    }
    result
}

/// `name.length` (as whole words) → `arrayLength(name)`.
fn replace_length(text: &str, name: &str) -> String {
    let needle = format!("{name}.length");
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(&needle) {
        let before = if at > 0 { rest[..at].chars().last() } else { out.chars().last() };
        let after = rest[at + needle.len()..].chars().next();
        out.push_str(&rest[..at]);
        if word(before) || word(after) {
            out.push_str(&needle);
        } else {
            out.push_str(&format!("arrayLength({name})"));
        }
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_become_twenty_strings() {
        let source = "defineCommandMenuItem({\n  conditionalAvailabilityExpression:\n    objectMetadataItem.nameSingular === 'match' || !isSelectAll,\n  label: 'x',\n});";
        let rewritten = rewrite(source).expect("rewritten");
        assert!(
            rewritten.contains(
                r#"conditionalAvailabilityExpression:
    "objectMetadataItem.nameSingular == 'match' or not isSelectAll","#
            ),
            "{rewritten}"
        );
        let calls = rewrite("{ conditionalAvailabilityExpression: everyDefined(selectedRecords, 'id',) && selectedRecords.length !== 0 }")
            .expect("rewritten");
        assert!(calls.contains(r#""everyDefined(selectedRecords, 'id') and arrayLength(selectedRecords) != 0""#), "{calls}");
    }

    #[test]
    fn strings_and_types_are_left_alone() {
        assert_eq!(rewrite("{ conditionalAvailabilityExpression: 'isSelectAll' }"), None);
        assert_eq!(rewrite("type T = { conditionalAvailabilityExpression?: string };"), None);
        assert_eq!(rewrite("const a = 1;"), None);
    }
}
