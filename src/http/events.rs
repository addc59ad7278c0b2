//! The two HTTP doors of the event bus: `POST /api/events` (API key, events
//! in Twenty's shape) and `POST /webhooks/twenty` (Twenty's signed webhooks:
//! hex HMAC-SHA256 of `{timestamp}:{raw body}` in `X-Twenty-Webhook-Signature`,
//! a millisecond timestamp in `X-Twenty-Webhook-Timestamp` that must be
//! recent). Both answer 202 once the deliveries are stored.

use super::ApiError;
use crate::config::Secret;
use crate::events::{EventBus, Ingested, parse_events, parse_webhook};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

/// What the webhook receiver checks against.
#[derive(Debug, Clone)]
pub struct WebhookCheck {
    pub secret: Option<Secret>,
    pub tolerance_ms: i64,
}

/// State of the event endpoints.
#[derive(Debug, Clone)]
pub struct EventState {
    pub bus: EventBus,
    pub webhook: WebhookCheck,
}

fn accepted(ingested: Ingested) -> Response {
    (StatusCode::ACCEPTED, Json(ingested)).into_response()
}

fn failed(problem: crate::events::Error) -> Response {
    match problem {
        crate::events::Error::Invalid { pointer, message } => {
            let at = if pointer.is_empty() { "the body".to_owned() } else { format!("body {pointer}") };
            ApiError::new(StatusCode::BAD_REQUEST, format!("{at}: {message}")).into_response()
        }
        problem => ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("the events could not be queued: {problem}")).into_response(),
    }
}

/// `POST /api/events`.
pub async fn post_events(State(state): State<EventState>, body: Bytes) -> Response {
    let value: Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(problem) => return ApiError::new(StatusCode::BAD_REQUEST, format!("the body is not valid JSON: {problem}")).into_response(),
    };
    let events = match parse_events(&value) {
        Ok(events) => events,
        Err(problem) => return failed(problem),
    };
    match state.bus.ingest(&events).await {
        Ok(ingested) => accepted(ingested),
        Err(problem) => failed(problem),
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, ApiError> {
    let value = headers.get(name).ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, format!("the {name} header is missing")))?;
    value.to_str().map(str::trim).map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, format!("the {name} header is not text")))
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok()).collect()
}

/// Checks a webhook's timestamp and signature; `now_ms` is the current time.
pub fn verify(check: &WebhookCheck, headers: &HeaderMap, raw: &[u8], now_ms: i64) -> Result<(), ApiError> {
    let Some(secret) = &check.secret else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "webhooks are not set up: set SWITCHBOARD_TWENTY_WEBHOOK_SECRET to the webhook's secret in Twenty",
        ));
    };
    let timestamp = header(headers, "x-twenty-webhook-timestamp")?;
    let signature = header(headers, "x-twenty-webhook-signature")?;
    let sent: i64 = timestamp
        .parse()
        .map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, "the x-twenty-webhook-timestamp header is not a number of milliseconds"))?;
    let distance = now_ms.abs_diff(sent);
    if distance > check.tolerance_ms.unsigned_abs() {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            format!(
                "the x-twenty-webhook-timestamp header is {} s away from now; at most {} s is accepted",
                distance / 1000,
                check.tolerance_ms / 1000
            ),
        ));
    }
    let given =
        decode_hex(signature).ok_or_else(|| ApiError::new(StatusCode::UNAUTHORIZED, "the x-twenty-webhook-signature header is not hex"))?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.0.as_bytes())
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "the webhook secret cannot key an HMAC"))?;
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(raw);
    // verify_slice compares in constant time.
    mac.verify_slice(&given)
        .map_err(|_| ApiError::new(StatusCode::UNAUTHORIZED, "the x-twenty-webhook-signature header does not match the body"))
}

/// `POST /webhooks/twenty`.
pub async fn post_webhook(State(state): State<EventState>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(problem) = verify(&state.webhook, &headers, &body, crate::store::now_ms()) {
        return problem.into_response();
    }
    let event = match parse_webhook(&body) {
        Ok(event) => event,
        Err(problem) => return failed(problem),
    };
    match state.bus.ingest(std::slice::from_ref(&event)).await {
        Ok(ingested) => accepted(ingested),
        Err(problem) => failed(problem),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn signed(secret: &str, timestamp: &str, body: &[u8]) -> HeaderMap {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(format!("{timestamp}:").as_bytes());
        mac.update(body);
        let signature: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let mut headers = HeaderMap::new();
        headers.insert("x-twenty-webhook-timestamp", HeaderValue::from_str(timestamp).expect("header"));
        headers.insert("x-twenty-webhook-signature", HeaderValue::from_str(&signature).expect("header"));
        headers
    }

    #[test]
    fn signatures_and_timestamps_are_checked() {
        let check = WebhookCheck { secret: Some(Secret("s3cret".into())), tolerance_ms: 300_000 };
        let body = br#"{"event":"person.created","data":{"id":"1"}}"#;
        let now = 1_800_000_000_000_i64;
        assert!(verify(&check, &signed("s3cret", &now.to_string(), body), body, now + 1000).is_ok());
        let wrong_key = verify(&check, &signed("other", &now.to_string(), body), body, now).expect_err("wrong key");
        assert_eq!(wrong_key.status, StatusCode::UNAUTHORIZED);
        let tampered = verify(&check, &signed("s3cret", &now.to_string(), body), b"{}", now).expect_err("tampered");
        assert!(tampered.message.contains("does not match"), "{}", tampered.message);
        let stale = verify(&check, &signed("s3cret", &now.to_string(), body), body, now + 301_000).expect_err("stale");
        assert!(stale.message.contains("301 s away"), "{}", stale.message);
        let extreme = verify(&check, &signed("s3cret", &i64::MIN.to_string(), body), body, now).expect_err("absurd timestamp");
        assert_eq!(extreme.status, StatusCode::UNAUTHORIZED);
        let missing = verify(&check, &HeaderMap::new(), body, now).expect_err("missing");
        assert!(missing.message.contains("x-twenty-webhook-timestamp"), "{}", missing.message);
        let unset = verify(&WebhookCheck { secret: None, tolerance_ms: 1 }, &HeaderMap::new(), body, now).expect_err("unset");
        assert_eq!(unset.status, StatusCode::SERVICE_UNAVAILABLE);
    }
}
