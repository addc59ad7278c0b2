//! The Host and Origin check in front of every HTTP route (DNS-rebinding and
//! cross-site request protection). A request's `Host` must name one of the
//! allowed hosts (loopback names, the listen address, and
//! `SWITCHBOARD_ALLOWED_HOSTS`); a browser `Origin`, when one is sent, must
//! be one of the allowed origins (loopback origins and
//! `SWITCHBOARD_ALLOWED_ORIGINS`). Route triggers under `/s` and the OAuth
//! callback are public entry points that browsers reach from other sites on
//! purpose, so only their `Host` is checked. `/mcp` gets the same check
//! from rmcp's own transport.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, Uri, header, uri::Authority};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The allowed `Host` and `Origin` values, in rmcp's notation: a host
/// with or without a port (`localhost`, `gw.example:8443`); an origin as
/// `scheme://host`, `scheme://host:port` or `scheme://host:*`.
#[derive(Debug, Clone, Default)]
pub struct Allowed {
    pub hosts: Arc<Vec<String>>,
    pub origins: Arc<Vec<String>>,
}

/// Paths whose callers are browsers on other sites by design.
fn origin_exempt(path: &str) -> bool {
    path == "/s" || path.starts_with("/s/") || path == "/auth/apps/callback"
}

fn forbidden(message: &str) -> Response {
    super::ApiError::new(StatusCode::FORBIDDEN, message).into_response()
}

/// Middleware: refuses a request whose `Host` or `Origin` is not allowed.
pub async fn check(State(allowed): State<Allowed>, request: Request, next: Next) -> Response {
    let Some((host, port)) = request_authority(request.uri(), request.headers()) else {
        return super::ApiError::new(StatusCode::BAD_REQUEST, "the request has no valid Host header").into_response();
    };
    if !host_allowed(&host, port, &allowed.hosts) {
        tracing::warn!(host, "refused a request with a Host that is not allowed (possible DNS rebinding)");
        return forbidden("the Host header is not allowed; add it to SWITCHBOARD_ALLOWED_HOSTS to accept it");
    }
    if !origin_exempt(request.uri().path())
        && let Some(origin) = request.headers().get(header::ORIGIN)
    {
        let accepted = origin.to_str().ok().and_then(parse_origin).is_some_and(|origin| origin_allowed(&origin, &allowed.origins));
        if !accepted {
            tracing::warn!(origin = ?origin, "refused a request with an Origin that is not allowed");
            return forbidden("the Origin header is not allowed; add it to SWITCHBOARD_ALLOWED_ORIGINS to accept it");
        }
    }
    next.run(request).await
}

fn normalize(host: &str) -> String {
    host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase()
}

/// The request's host and port, from `Host` or (HTTP/2) the URI authority.
fn request_authority(uri: &Uri, headers: &HeaderMap) -> Option<(String, Option<u16>)> {
    let authority = match headers.get(header::HOST) {
        Some(value) => Authority::try_from(value.to_str().ok()?).ok()?,
        None => uri.authority()?.clone(),
    };
    Some((normalize(authority.host()), authority.port_u16()))
}

fn host_allowed(host: &str, port: Option<u16>, allowed: &[String]) -> bool {
    allowed.iter().any(|entry| {
        let (allowed_host, allowed_port) = match Authority::try_from(entry.trim()) {
            Ok(authority) => (normalize(authority.host()), authority.port_u16()),
            Err(_) => (normalize(entry.trim()), None),
        };
        allowed_host == host && allowed_port.is_none_or(|allowed_port| port == Some(allowed_port))
    })
}

/// An origin: `null`, or scheme, host and port (`None` when unstated).
#[derive(Debug, PartialEq, Eq)]
enum Origin {
    Null,
    Site { scheme: String, host: String, port: Option<u16> },
}

fn parse_origin(text: &str) -> Option<Origin> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("null") {
        return Some(Origin::Null);
    }
    let uri = Uri::try_from(text).ok()?;
    let authority = uri.authority()?;
    // An origin is scheme://host[:port] and nothing else (no user info, path or query).
    if authority.as_str().contains('@') || uri.path_and_query().is_some_and(|rest| rest.as_str() != "/" && !rest.as_str().is_empty()) {
        return None;
    }
    Some(Origin::Site { scheme: uri.scheme_str()?.to_ascii_lowercase(), host: normalize(authority.host()), port: authority.port_u16() })
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

fn origin_allowed(origin: &Origin, allowed: &[String]) -> bool {
    let Origin::Site { scheme, host, port } = origin else {
        return allowed.iter().any(|entry| entry.trim().eq_ignore_ascii_case("null"));
    };
    allowed.iter().any(|entry| {
        let entry = entry.trim();
        let (base, any_port) = match entry.strip_suffix(":*") {
            Some(base) => (base, true),
            None => (entry, false),
        };
        let Some(Origin::Site { scheme: a_scheme, host: a_host, port: a_port }) = parse_origin(base) else {
            return false;
        };
        let port_matches = any_port
            || match a_port {
                None => port.or_else(|| default_port(scheme)) == default_port(&a_scheme),
                Some(a_port) => port.or_else(|| default_port(scheme)) == Some(a_port),
            };
        a_scheme == *scheme && a_host == *host && port_matches
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    #[test]
    fn hosts_match_by_name_and_optional_port() {
        let allowed = list(&["localhost", "127.0.0.1", "::1", "gw.example:8443"]);
        assert!(host_allowed("127.0.0.1", Some(7502), &allowed));
        assert!(host_allowed("::1", None, &allowed));
        assert!(host_allowed("gw.example", Some(8443), &allowed));
        assert!(!host_allowed("gw.example", Some(80), &allowed));
        assert!(!host_allowed("127.0.0.1.evil.com", None, &allowed));
        assert!(!host_allowed("localhost.", None, &allowed));
    }

    #[test]
    fn origins_match_scheme_host_and_port() {
        let allowed = list(&["http://localhost:*", "http://127.0.0.1:*", "https://app.example"]);
        let allowed_origin = |text: &str| parse_origin(text).is_some_and(|origin| origin_allowed(&origin, &allowed));
        assert!(allowed_origin("http://127.0.0.1:5173"));
        assert!(allowed_origin("https://app.example"));
        assert!(allowed_origin("https://app.example:443"));
        assert!(!allowed_origin("https://app.example:8443"));
        assert!(!allowed_origin("http://evil.example"));
        assert!(!allowed_origin("http://127.0.0.1:80@evil.com"));
        assert!(!allowed_origin("null"));
        assert!(!allowed_origin("https://localhost:3000"));
    }
}
