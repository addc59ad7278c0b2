//! OAuth 2.0 with the `oauth2` crate: a provider declared by
//! `defineConnectionProvider` resolved against the gateway's server
//! variables, the authorization URL (PKCE S256), the code exchange, refresh
//! and RFC 7009 revocation. Token requests go through a small HTTP adapter
//! that sends Twenty's JSON body (`tokenRequestContentType: 'json'`, the
//! default) or the form body of RFC 6749, never follows redirects and never
//! puts a response body into an error message.

use super::Error;
use crate::domain::ConnectionProviderManifest;
use oauth2::basic::{BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
    TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use url::Url;

/// A connection provider ready to use: the app's declaration plus the
/// client credentials from the gateway's server variables.
#[derive(Clone)]
pub struct Provider {
    /// The application's universalIdentifier.
    pub app: String,
    pub name: String,
    pub display_name: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    pub revoke_endpoint: Option<Url>,
    pub scopes: Vec<String>,
    pub authorization_params: BTreeMap<String, String>,
    /// Token requests as JSON (Twenty's default) rather than a form.
    pub json_token_requests: bool,
    pub use_pkce: bool,
    pub client_id_variable: String,
    pub client_secret_variable: String,
    pub client_id: Option<String>,
    client_secret: Option<String>,
    /// Hosts `fetch(url, { connection })` may send this provider's token to.
    pub allowed_hosts: Vec<String>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Provider")
            .field("app", &self.app)
            .field("name", &self.name)
            .field("configured", &self.is_configured())
            .finish()
    }
}

/// `host` or `host:port` (when the URL names a port): how allow-lists spell a target.
pub(super) fn host_and_port(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

impl Provider {
    /// Resolves `manifest` of the app `app` (universalIdentifier), whose
    /// declared server variables are `server_variables`, with their values
    /// `vars`; `hosts` overrides the default fetch allow-list (the hosts of
    /// the provider's own endpoints).
    pub fn resolve(
        app: &str,
        manifest: &ConnectionProviderManifest,
        server_variables: &serde_json::Map<String, Value>,
        vars: &BTreeMap<String, String>,
        hosts: Option<&Vec<String>>,
    ) -> Result<Self, Error> {
        let name = manifest.name.clone();
        let problems = crate::domain::connection_provider_problems(manifest.oauth.as_ref(), server_variables);
        if !problems.is_empty() {
            let listed: Vec<String> = problems.iter().map(|(field, message)| format!("{field} {message}")).collect();
            return Err(Error::Provider(format!("connection provider \"{name}\": {}", listed.join("; "))));
        }
        let oauth = manifest
            .oauth
            .as_ref()
            .and_then(Value::as_object)
            .ok_or_else(|| Error::Provider(format!("connection provider \"{name}\": no oauth block")))?;
        let text = |field: &str| oauth.get(field).and_then(Value::as_str).map(str::to_owned);
        // Checked above: both required endpoints are URLs.
        let url = |field: &str| text(field).and_then(|text| Url::parse(&text).ok());
        let (Some(authorization_endpoint), Some(token_endpoint)) = (url("authorizationEndpoint"), url("tokenEndpoint")) else {
            return Err(Error::Provider(format!("connection provider \"{name}\": endpoints missing")));
        };
        let revoke_endpoint = url("revokeEndpoint");
        let json_token_requests = text("tokenRequestContentType").as_deref() != Some("form-urlencoded");
        let client_id_variable = text("clientIdVariable").unwrap_or_default();
        let client_secret_variable = text("clientSecretVariable").unwrap_or_default();
        let default_hosts = || {
            let mut hosts: Vec<String> = [Some(&authorization_endpoint), Some(&token_endpoint), revoke_endpoint.as_ref()]
                .into_iter()
                .flatten()
                .filter_map(host_and_port)
                .collect();
            hosts.dedup();
            hosts
        };
        Ok(Self {
            app: app.to_owned(),
            display_name: manifest.display_name.clone(),
            scopes: oauth
                .get("scopes")
                .and_then(Value::as_array)
                .map(|scopes| scopes.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            authorization_params: oauth
                .get("authorizationParams")
                .and_then(Value::as_object)
                .map(|params| {
                    params
                        .iter()
                        .map(|(key, value)| (key.clone(), value.as_str().map(str::to_owned).unwrap_or_else(|| value.to_string())))
                        .collect()
                })
                .unwrap_or_default(),
            use_pkce: oauth.get("usePkce").and_then(Value::as_bool).unwrap_or(true),
            client_id: vars.get(&client_id_variable).cloned().filter(|value| !value.is_empty()),
            client_secret: vars.get(&client_secret_variable).cloned().filter(|value| !value.is_empty()),
            allowed_hosts: hosts.cloned().unwrap_or_else(default_hosts),
            json_token_requests,
            client_id_variable,
            client_secret_variable,
            authorization_endpoint,
            token_endpoint,
            revoke_endpoint,
            name,
        })
    }

    /// The client id and secret, or NotConfigured naming their variables.
    fn credentials(&self) -> Result<(&String, &String), Error> {
        match (&self.client_id, &self.client_secret) {
            (Some(id), Some(secret)) => Ok((id, secret)),
            _ => Err(Error::NotConfigured {
                provider: self.name.clone(),
                id_variable: self.client_id_variable.clone(),
                secret_variable: self.client_secret_variable.clone(),
            }),
        }
    }

    /// Both client credentials are set.
    pub fn is_configured(&self) -> bool {
        self.client_id.is_some() && self.client_secret.is_some()
    }

    /// Whether `url` is on this provider's fetch allow-list.
    pub fn allows(&self, url: &Url) -> bool {
        host_listed(&self.allowed_hosts, url)
    }
}

/// Whether `url`'s host is in `list`: an entry is a host (its scheme's
/// default port only), `host:port`, `*.domain` (any subdomain, default
/// port) or `*` (anything).
pub(super) fn host_listed(list: &[String], url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    let port = url.port_or_known_default();
    let default_port = url::Url::parse(&format!("{}://x", url.scheme())).ok().and_then(|url| url.port_or_known_default());
    list.iter().any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = entry.to_ascii_lowercase();
        let (entry_host, entry_port) = match entry.rsplit_once(':') {
            Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.is_empty() && !name.ends_with(':') => {
                (name.to_owned(), port.parse::<u16>().ok())
            }
            _ => (entry.clone(), None),
        };
        let entry_host = entry_host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let host_matches = match entry_host.strip_prefix("*.") {
            Some(domain) => host.ends_with(&format!(".{domain}")),
            None => host == entry_host,
        };
        host_matches && entry_port.or(default_port) == port
    })
}

/// The `id_token` some providers add to a token response (OpenID Connect):
/// where the handle (e-mail or login) comes from.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl oauth2::ExtraTokenFields for IdTokenField {}

type TokenResult = StandardTokenResponse<IdTokenField, BasicTokenType>;
/// The client with authorization and token endpoints set (revocation goes
/// through [`revoke`], which also allows loopback http).
type OauthClient = oauth2::Client<
    BasicErrorResponse,
    TokenResult,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// Tokens from the provider, in clear (the caller seals them at once).
#[derive(Clone)]
pub(super) struct Tokens {
    pub(super) access: String,
    pub(super) refresh: Option<String>,
    pub(super) expires_in: Option<Duration>,
    pub(super) scopes: Option<Vec<String>>,
    pub(super) handle: Option<String>,
}

/// Why a token request failed. `code` is the provider's OAuth error code
/// (`invalid_grant`, ...) when it gave one; `transient` marks failures to
/// reach it, which say nothing about the grant.
#[derive(Debug, Clone)]
pub(super) struct Failure {
    pub(super) code: Option<String>,
    pub(super) description: Option<String>,
    pub(super) transient: bool,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.code, &self.description) {
            (Some(code), Some(description)) => write!(formatter, "{code}: {description}"),
            (Some(code), None) => formatter.write_str(code),
            (None, Some(description)) => formatter.write_str(description),
            (None, None) => formatter.write_str("the provider's answer could not be read"),
        }
    }
}

/// OAuth error codes that say the grant or the client is no good: only
/// these mark a connection as needing to be reconnected.
const GRANT_ERRORS: &[&str] = &["invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope", "unsupported_grant_type"];

fn failure(error: RequestTokenError<Error, impl oauth2::ErrorResponse + 'static>) -> Failure {
    match error {
        RequestTokenError::ServerResponse(response) => {
            let value = serde_json::to_value(&response).unwrap_or_default();
            let code = value.get("error").and_then(Value::as_str).map(str::to_owned);
            Failure {
                transient: !code.as_deref().is_some_and(|code| GRANT_ERRORS.contains(&code)),
                code,
                description: value.get("error_description").and_then(Value::as_str).map(str::to_owned),
            }
        }
        RequestTokenError::Request(Error::Http(message)) => Failure { code: None, description: Some(message), transient: true },
        RequestTokenError::Request(error) => Failure { code: None, description: Some(error.to_string()), transient: true },
        // The body may hold tokens: only its parse error is reported. An
        // unreadable answer (an HTML error page, ...) says nothing about
        // the grant.
        RequestTokenError::Parse(error, _) => {
            Failure { code: None, description: Some(format!("unreadable token response ({})", error.path())), transient: true }
        }
        RequestTokenError::Other(message) => Failure { code: None, description: Some(message), transient: true },
    }
}

fn client(provider: &Provider, redirect: &str) -> Result<OauthClient, Error> {
    let (id, secret) = provider.credentials()?;
    let bad = |what: &str| Error::Provider(format!("connection provider \"{}\": invalid {what}", provider.name));
    Ok(oauth2::Client::new(ClientId::new(id.clone()))
        .set_client_secret(ClientSecret::new(secret.clone()))
        .set_auth_type(AuthType::RequestBody)
        .set_auth_uri(AuthUrl::from_url(provider.authorization_endpoint.clone()))
        .set_token_uri(TokenUrl::from_url(provider.token_endpoint.clone()))
        .set_redirect_uri(RedirectUrl::new(redirect.to_owned()).map_err(|_| bad("redirect URL"))?))
}

/// The authorization URL to send the user to, with the PKCE verifier to
/// keep for the exchange (when the provider uses PKCE).
pub(super) fn authorize_url(provider: &Provider, redirect: &str, state: String) -> Result<(Url, Option<String>), Error> {
    let client = client(provider, redirect)?;
    let mut request = client.authorize_url(move || CsrfToken::new(state)).add_scopes(provider.scopes.iter().cloned().map(Scope::new));
    for (name, value) in &provider.authorization_params {
        request = request.add_extra_param(name.clone(), value.clone());
    }
    let verifier = if provider.use_pkce {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        request = request.set_pkce_challenge(challenge);
        Some(verifier.secret().clone())
    } else {
        None
    };
    Ok((request.url().0, verifier))
}

type Sent = Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, Error>> + Send>>;

/// The HTTP adapter the oauth2 crate calls: JSON or form bodies, no
/// redirects, bodies never copied into errors.
fn transport(http: reqwest::Client, json_body: bool) -> impl Fn(oauth2::HttpRequest) -> Sent {
    move |request: oauth2::HttpRequest| {
        let http = http.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let is_form = parts
                .headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
            let body = if json_body && is_form {
                let fields: serde_json::Map<String, Value> =
                    url::form_urlencoded::parse(&body).map(|(key, value)| (key.into_owned(), Value::String(value.into_owned()))).collect();
                parts.headers.insert(reqwest::header::CONTENT_TYPE, reqwest::header::HeaderValue::from_static("application/json"));
                serde_json::to_vec(&fields).unwrap_or_default()
            } else {
                body
            };
            let request = reqwest::Request::try_from(oauth2::http::Request::from_parts(parts, body))
                .map_err(|error| Error::Http(format!("cannot build the token request: {error}")))?;
            let response = http.execute(request).await.map_err(|error| Error::Http(error.without_url().to_string()))?;
            let mut status = response.status();
            let headers = response.headers().clone();
            let bytes = response.bytes().await.map_err(|error| Error::Http(error.without_url().to_string()))?;
            // Some providers (GitHub) answer 200 with an OAuth error body;
            // make it an error so its code is read, not a parse failure.
            if status.is_success()
                && let Ok(body) = serde_json::from_slice::<Value>(&bytes)
                && body.get("error").is_some_and(Value::is_string)
                && body.get("access_token").is_none()
            {
                status = reqwest::StatusCode::BAD_REQUEST;
            }
            let mut built = oauth2::http::Response::new(bytes.to_vec());
            *built.status_mut() = status;
            *built.headers_mut() = headers;
            Ok(built)
        })
    }
}

fn tokens(response: &TokenResult) -> Tokens {
    Tokens {
        access: response.access_token().secret().clone(),
        refresh: response.refresh_token().map(|token| token.secret().clone()),
        expires_in: response.expires_in(),
        scopes: response.scopes().map(|scopes| scopes.iter().map(|scope| scope.to_string()).collect()),
        handle: response.extra_fields().id_token.as_deref().and_then(handle_from_id_token),
    }
}

/// The e-mail (or login) in an ID token's claims. The token came straight
/// from the token endpoint over the connection we opened, so its claims
/// are read without verifying the signature (OpenID Connect Core 3.1.3.7).
fn handle_from_id_token(token: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    ["email", "preferred_username", "login", "sub"]
        .iter()
        .find_map(|claim| claims.get(*claim).and_then(Value::as_str).filter(|value| !value.is_empty()).map(str::to_owned))
}

/// Exchanges an authorization code.
pub(super) async fn exchange(
    provider: &Provider,
    http: &reqwest::Client,
    redirect: &str,
    code: String,
    verifier: Option<String>,
) -> Result<Result<Tokens, Failure>, Error> {
    let client = client(provider, redirect)?;
    let mut request = client.exchange_code(AuthorizationCode::new(code));
    if let Some(verifier) = verifier {
        request = request.set_pkce_verifier(PkceCodeVerifier::new(verifier));
    }
    Ok(request
        .request_async(&transport(http.clone(), provider.json_token_requests))
        .await
        .map(|response| tokens(&response))
        .map_err(failure))
}

/// Trades a refresh token for new tokens.
pub(super) async fn refresh(
    provider: &Provider,
    http: &reqwest::Client,
    redirect: &str,
    refresh_token: String,
) -> Result<Result<Tokens, Failure>, Error> {
    let client = client(provider, redirect)?;
    let token = RefreshToken::new(refresh_token);
    Ok(client
        .exchange_refresh_token(&token)
        .request_async(&transport(http.clone(), provider.json_token_requests))
        .await
        .map(|response| tokens(&response))
        .map_err(failure))
}

/// Revokes `token` at the provider's revocation endpoint (RFC 7009: a form
/// body with the client's credentials); `Ok(None)` when the provider has
/// none. (The oauth2 crate only revokes over HTTPS; endpoints here are
/// already checked to be HTTPS or loopback.)
pub(super) async fn revoke(
    provider: &Provider,
    http: &reqwest::Client,
    token: String,
    is_refresh: bool,
) -> Result<Option<Result<(), Failure>>, Error> {
    let Some(endpoint) = provider.revoke_endpoint.clone() else { return Ok(None) };
    let (id, secret) = provider.credentials()?;
    let hint = if is_refresh { "refresh_token" } else { "access_token" };
    let form = [("token", token.as_str()), ("token_type_hint", hint), ("client_id", id.as_str()), ("client_secret", secret.as_str())];
    let response = match http.post(endpoint).form(&form).header(reqwest::header::ACCEPT, "application/json").send().await {
        Ok(response) => response,
        Err(error) => return Ok(Some(Err(Failure { code: None, description: Some(error.without_url().to_string()), transient: true }))),
    };
    if response.status().is_success() {
        return Ok(Some(Ok(())));
    }
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    Ok(Some(Err(Failure {
        code: body.get("error").and_then(Value::as_str).map(str::to_owned).or_else(|| Some(format!("http_{}", status.as_u16()))),
        description: body.get("error_description").and_then(Value::as_str).map(str::to_owned),
        transient: false,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(hosts: &[&str]) -> Provider {
        let manifest: ConnectionProviderManifest = serde_json::from_value(serde_json::json!({
            "universalIdentifier": "5f0c6a3e-1b7d-4c8e-9a2f-3d4e5f6a7b8c",
            "name": "linear", "displayName": "Linear", "type": "oauth",
            "oauth": {
                "authorizationEndpoint": "https://linear.app/oauth/authorize",
                "tokenEndpoint": "https://api.linear.app/oauth/token",
                "scopes": ["read"], "clientIdVariable": "LINEAR_CLIENT_ID", "clientSecretVariable": "LINEAR_CLIENT_SECRET"
            }
        }))
        .expect("manifest");
        let hosts: Vec<String> = hosts.iter().map(|host| (*host).to_owned()).collect();
        let declared = serde_json::json!({ "LINEAR_CLIENT_ID": {}, "LINEAR_CLIENT_SECRET": {} });
        let declared = declared.as_object().expect("map");
        Provider::resolve("app", &manifest, declared, &BTreeMap::new(), (!hosts.is_empty()).then_some(&hosts)).expect("resolve")
    }

    #[test]
    fn fetch_hosts_default_to_the_endpoints_and_match_ports_and_wildcards() {
        let default = provider(&[]);
        assert_eq!(default.allowed_hosts, vec!["linear.app".to_owned(), "api.linear.app".to_owned()]);
        assert!(!default.allows(&Url::parse("https://api.linear.app:8443/graphql").expect("url")), "a bare host means its default port");
        assert!(default.allows(&Url::parse("https://api.linear.app/graphql").expect("url")));
        assert!(!default.allows(&Url::parse("https://evil.example/graphql").expect("url")));
        let custom = provider(&["127.0.0.1:8080", "*.example.com"]);
        assert!(custom.allows(&Url::parse("http://127.0.0.1:8080/me").expect("url")));
        assert!(!custom.allows(&Url::parse("http://127.0.0.1:8081/me").expect("url")));
        assert!(custom.allows(&Url::parse("https://api.example.com/x").expect("url")));
        assert!(!custom.allows(&Url::parse("https://example.com.evil.test/x").expect("url")));
        assert!(!default.is_configured());
    }

    #[test]
    fn endpoints_must_be_https_except_on_loopback() {
        let manifest = |endpoint: &str| -> ConnectionProviderManifest {
            serde_json::from_value(serde_json::json!({
                "universalIdentifier": "5f0c6a3e-1b7d-4c8e-9a2f-3d4e5f6a7b8c", "name": "p", "displayName": "P", "type": "oauth",
                "oauth": { "authorizationEndpoint": endpoint, "tokenEndpoint": endpoint, "scopes": [],
                           "clientIdVariable": "A", "clientSecretVariable": "B", "tokenRequestContentType": "form-urlencoded" }
            }))
            .expect("manifest")
        };
        let vars = BTreeMap::new();
        let declared = serde_json::json!({ "A": {}, "B": {} });
        let declared = declared.as_object().expect("map");
        assert!(Provider::resolve("a", &manifest("http://127.0.0.1:9/token"), declared, &vars, None).is_ok());
        let error =
            Provider::resolve("a", &manifest("http://auth.example.com/token"), declared, &vars, None).expect_err("plain http").to_string();
        assert!(error.contains("authorizationEndpoint") && error.contains("https"), "{error}");
        let error = Provider::resolve("a", &manifest("not a url"), declared, &vars, None).expect_err("not a URL").to_string();
        assert!(error.contains("not an absolute https URL"), "{error}");
        let undeclared = serde_json::Map::new();
        let error = Provider::resolve("a", &manifest("https://a.example/t"), &undeclared, &vars, None).expect_err("undeclared").to_string();
        assert!(error.contains("oauth.clientIdVariable") && error.contains("serverVariables"), "{error}");
    }

    #[test]
    fn the_handle_comes_from_the_id_token_claims() {
        use base64::Engine as _;
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(br#"{"sub":"u1","email":"ada@example.test"}"#);
        assert_eq!(handle_from_id_token(&format!("e30.{claims}.sig")).as_deref(), Some("ada@example.test"));
        assert_eq!(handle_from_id_token("not-a-jwt"), None);
    }
}
