//! The host services one run may call from the sandbox — its app's
//! connections — answered by the vault on the gateway's runtime, and the
//! blanking of every access token the vault has handed to the app's runs
//! out of a run's logs, result and error before anything is returned or
//! recorded.

use crate::domain::ExecutionResult;
use crate::sandbox::{Host, HostError, HostFuture};
use crate::vault::{FetchRequest, Vault};
use base64::Engine as _;
use serde_json::{Value, json};

pub(crate) struct RunHost {
    pub(crate) vault: Vault,
    /// The application's universalIdentifier: a run sees only its app's connections.
    pub(crate) app: String,
    pub(crate) runtime: tokio::runtime::Handle,
}

fn host_error(error: crate::vault::Error) -> HostError {
    use crate::vault::Error as E;
    let error_type = match &error {
        E::AuthFailed { .. } => "AppConnectionAuthFailedError",
        E::UnknownConnection(_) => "AppConnectionNotFoundError",
        E::HostNotAllowed { .. } => "NotAllowedError",
        E::BadRequest(_) => "TypeError",
        _ => "AppConnectionError",
    };
    HostError { error_type: error_type.to_owned(), message: error.to_string() }
}

fn text(input: &Value, field: &str) -> Result<String, HostError> {
    input.get(field).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| HostError {
        error_type: "TypeError".to_owned(),
        message: format!("`{field}` must be a string"),
    })
}

async fn dispatch(vault: Vault, app: String, name: String, input: Value) -> Result<Value, HostError> {
    match name.as_str() {
        "connections.list" => Ok(vault.list_for_run(&app, &input).await.map_err(host_error)?.0),
        "connections.get" => Ok(vault.get_for_run(&app, &text(&input, "id")?).await.map_err(host_error)?.0),
        "connections.reportAuthFailure" => {
            let reason = input.get("reason").and_then(Value::as_str);
            vault.report_failure(&app, &text(&input, "connectionId")?, reason).await.map_err(host_error)?;
            Ok(Value::Null)
        }
        "connections.fetch" => {
            let body = match input.get("body").and_then(Value::as_str) {
                Some(encoded) => Some(base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| HostError {
                    error_type: "TypeError".to_owned(),
                    message: "fetch: the request body could not be read".to_owned(),
                })?),
                None => None,
            };
            let headers = input
                .get("headers")
                .and_then(Value::as_array)
                .map(|pairs| {
                    pairs
                        .iter()
                        .filter_map(|pair| Some((pair.get(0)?.as_str()?.to_owned(), pair.get(1)?.as_str()?.to_owned())))
                        .collect()
                })
                .unwrap_or_default();
            let request = FetchRequest {
                connection_id: text(&input, "connectionId")?,
                url: text(&input, "url")?,
                method: text(&input, "method")?,
                headers,
                body,
            };
            let response = vault.fetch(&app, request).await.map_err(host_error)?;
            Ok(json!({
                "status": response.status,
                "statusText": response.status_text,
                "headers": response.headers.iter().map(|(name, value)| json!([name, value])).collect::<Vec<_>>(),
                "body": base64::engine::general_purpose::STANDARD.encode(&response.body),
            }))
        }
        other => Err(HostError { error_type: "TypeError".to_owned(), message: format!("unknown host service {other}") }),
    }
}

impl Host for RunHost {
    fn call(&self, name: &str, input: Value) -> HostFuture {
        let task = self.runtime.spawn(dispatch(self.vault.clone(), self.app.clone(), name.to_owned(), input));
        Box::pin(async move {
            task.await.unwrap_or_else(|error| Err(HostError { error_type: "AppConnectionError".to_owned(), message: error.to_string() }))
        })
    }
}

/// Blanks every token in `tokens` out of the result's logs, data and error.
pub(crate) fn redact(result: &mut ExecutionResult, tokens: &[String]) {
    let tokens: Vec<&String> = tokens.iter().filter(|token| !token.is_empty()).collect();
    if tokens.is_empty() {
        return;
    }
    let clean = |text: &mut String| {
        for token in &tokens {
            if text.contains(token.as_str()) {
                *text = text.replace(token.as_str(), "[redacted]");
            }
        }
    };
    clean(&mut result.logs);
    if let Some(error) = result.error.as_mut() {
        clean(&mut error.error_message);
        clean(&mut error.stack_trace);
    }
    let mut data = result.data.to_string();
    if tokens.iter().any(|token| data.contains(token.as_str())) {
        clean(&mut data);
        result.data = serde_json::from_str(&data).unwrap_or(Value::String("[redacted]".to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handed_out_tokens_leave_no_trace_in_a_result() {
        let tokens = vec!["tok-SECRET-1".to_owned()];
        let mut result = ExecutionResult::failure("Error", "bad tok-SECRET-1", "log tok-SECRET-1 here".to_owned(), 1);
        result.data = json!({ "nested": ["tok-SECRET-1", 1] });
        redact(&mut result, &tokens);
        let text = serde_json::to_string(&result).expect("json");
        assert!(!text.contains("tok-SECRET-1"), "{text}");
        assert_eq!(result.data, json!({ "nested": ["[redacted]", 1] }));
    }
}
