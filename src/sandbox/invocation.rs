//! The invocation a runtime's bootstrap reads at the start of each run: one
//! JSON object it parses once. A runtime keeps what earlier runs sent it, so
//! the fields that have not changed since (the handler, the context, the
//! app's variables, the local API base, the names of the run's own
//! variables) are left out; the payload always goes. A run's own variables (tokens) go by
//! name only: the bootstrap asks for their values when the run first reads
//! one (`op_sb_run_vars`).
//!
//! Both sides number what the runtime holds: an invocation that leaves
//! fields out names the state it builds on (`base`) and the one it makes
//! (`seq`). A runtime holding another state applies nothing and says so;
//! the worker then forgets what it thought the runtime held and sends the
//! invocation whole, so a disagreement costs a resend, never a run with the
//! previous run's handler or context.

use super::RunRequest;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// What a runtime's JavaScript holds from the invocations it read, and
/// the number of that state (0: nothing yet).
#[derive(Default)]
pub(super) struct Held(Fields, u64);

/// What an invocation sent, for [`Held::read`].
pub(super) struct Sent {
    fields: Fields,
    seq: u64,
}

/// The fields an invocation carries beyond the payload: those that differ
/// from what the runtime holds.
#[derive(Default)]
pub(super) struct Fields {
    handler: Option<(PathBuf, String)>,
    context: Option<serde_json::Value>,
    env: Option<Arc<BTreeMap<String, String>>>,
    local_api: Option<Option<String>>,
    run_vars: Option<&'static [&'static str]>,
}

impl Held {
    /// The invocation for `request`, and the fields it sends (for
    /// [`Held::read`] once the runtime took it).
    pub(super) fn invocation(&self, request: &RunRequest) -> (String, Sent) {
        let (held, base) = (&self.0, self.1);
        let handler = held.handler.as_ref().is_none_or(|(module, name)| *module != request.module || *name != request.handler_name);
        let env = held.env.as_ref().is_none_or(|env| !Arc::ptr_eq(env, &request.env) && **env != *request.env);
        let sent = Fields {
            handler: handler.then(|| (request.module.clone(), request.handler_name.clone())),
            context: (held.context.as_ref() != Some(&request.context)).then(|| request.context.clone()),
            env: env.then(|| request.env.clone()),
            local_api: (held.local_api.as_ref() != Some(&request.local_api)).then(|| request.local_api.clone()),
            run_vars: (held.run_vars != Some(request.run_env.names())).then(|| request.run_env.names()),
        };
        let seq = base.wrapping_add(1).max(1);
        (json(&sent, request, base, seq), Sent { fields: sent, seq })
    }

    /// The runtime read an invocation that sent `sent`.
    pub(super) fn read(&mut self, sent: Sent) {
        let Sent { fields, seq } = sent;
        self.1 = seq;
        let held = &mut self.0;
        held.handler = fields.handler.or(held.handler.take());
        held.context = fields.context.or(held.context.take());
        held.env = fields.env.or(held.env.take());
        held.local_api = fields.local_api.or(held.local_api.take());
        held.run_vars = fields.run_vars.or(held.run_vars);
    }

    /// Forgets what the runtime holds, so the next invocation goes whole.
    pub(super) fn forget(&mut self) {
        *self = Self::default();
    }
}

/// The invocation's JSON. `base` 0 means it goes whole and applies
/// whatever the runtime holds; then it carries no `base`.
fn json(fields: &Fields, request: &RunRequest, base: u64, seq: u64) -> String {
    use std::fmt::Write;
    fn quoted(out: &mut String, text: &str) {
        // A str always serializes; the fallback keeps the JSON whole regardless.
        out.push_str(&serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned()));
    }
    let mut out = String::with_capacity(192 + request.payload.len());
    out.push('{');
    if base != 0 {
        let _ = write!(out, r#""base":{base},"#);
    }
    let _ = write!(out, r#""seq":{seq},"#);
    if let Some(context) = &fields.context {
        let _ = write!(out, r#""context":{context},"#);
    }
    if let Some((module, handler_name)) = &fields.handler {
        out.push_str(r#""key":"#);
        quoted(&mut out, &module.to_string_lossy());
        out.push_str(r#","handlerName":"#);
        quoted(&mut out, handler_name);
        out.push(',');
    }
    if let Some(env) = &fields.env {
        out.push_str(r#""env":"#);
        out.push_str(&serde_json::to_string(&**env).unwrap_or_else(|_| "{}".to_owned()));
        out.push(',');
    }
    match &fields.local_api {
        Some(Some(url)) => {
            out.push_str(r#""localApi":"#);
            quoted(&mut out, url);
            out.push(',');
        }
        Some(None) => out.push_str(r#""localApi":null,"#),
        None => {}
    }
    if let Some(names) = fields.run_vars {
        out.push_str(r#""runVars":"#);
        out.push_str(&serde_json::to_string(names).unwrap_or_else(|_| "[]".to_owned()));
        out.push(',');
    }
    out.push_str(r#""payload":"#);
    out.push_str(&request.payload);
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::RunVars;

    fn request(module: &str, local_api: Option<&str>, env: &Arc<BTreeMap<String, String>>, vars: RunVars) -> RunRequest {
        RunRequest {
            module: PathBuf::from(module),
            handler_name: "default.config.handler".to_owned(),
            payload: r#"{"n":1}"#.to_owned(),
            context: serde_json::json!({ "workspaceId": "w" }),
            env: env.clone(),
            run_env: vars,
            timeout: std::time::Duration::from_secs(1),
            cancel: None,
            host: None,
            local_api: local_api.map(str::to_owned),
        }
    }

    /// The invocation's fields apart from its numbering.
    fn parse(text: &str) -> serde_json::Value {
        let mut value: serde_json::Value = serde_json::from_str(text).expect("the invocation is JSON");
        if let Some(object) = value.as_object_mut() {
            object.remove("base");
            object.remove("seq");
        }
        value
    }

    fn numbering(text: &str) -> (Option<u64>, Option<u64>) {
        let value: serde_json::Value = serde_json::from_str(text).expect("the invocation is JSON");
        (value["base"].as_u64(), value["seq"].as_u64())
    }

    #[test]
    fn deltas_name_the_state_they_build_on_and_a_forgotten_state_goes_whole() {
        let env = Arc::new(BTreeMap::new());
        let mut held = Held::default();
        let (text, sent) = held.invocation(&request("/app/a.ts", None, &env, RunVars::default()));
        assert_eq!(numbering(&text), (None, Some(1)), "the first goes whole: {text}");
        held.read(sent);
        let (text, sent) = held.invocation(&request("/app/a.ts", None, &env, RunVars::default()));
        assert_eq!(numbering(&text), (Some(1), Some(2)), "{text}");
        assert_eq!(parse(&text), serde_json::json!({ "payload": { "n": 1 } }));
        held.read(sent);
        // Not taken by the runtime: the next one builds on the same state.
        let (text, _) = held.invocation(&request("/app/a.ts", None, &env, RunVars::default()));
        assert_eq!(numbering(&text), (Some(2), Some(3)), "{text}");
        // Forgotten (the runtime said it holds another state): whole again.
        held.forget();
        let (text, _) = held.invocation(&request("/app/a.ts", None, &env, RunVars::default()));
        assert_eq!(numbering(&text), (None, Some(1)), "{text}");
        assert_eq!(
            parse(&text),
            serde_json::json!({
                "context": { "workspaceId": "w" }, "key": "/app/a.ts", "handlerName": "default.config.handler",
                "env": {}, "localApi": null, "runVars": [], "payload": { "n": 1 },
            })
        );
    }

    const NAMES: &[&str] = &["TOKEN_A", "TOKEN_B"];

    #[test]
    fn unchanged_fields_are_left_out_until_they_change() {
        let env = Arc::new(BTreeMap::from([("A".to_owned(), "1".to_owned())]));
        let mut held = Held::default();
        let first = request("/app/a.ts", Some("http://h"), &env, RunVars::new(NAMES, || vec!["secret-a".into(), "secret-b".into()]));
        let (text, fields) = held.invocation(&first);
        assert_eq!(
            parse(&text),
            serde_json::json!({
                "context": { "workspaceId": "w" }, "key": "/app/a.ts", "handlerName": "default.config.handler",
                "env": { "A": "1" }, "localApi": "http://h", "runVars": ["TOKEN_A", "TOKEN_B"], "payload": { "n": 1 },
            })
        );
        // Tokens go by name only, and are not made by sending the invocation.
        assert!(!text.contains("secret"), "{text}");
        assert!(first.run_env.made().is_empty());

        // Not read yet (the run never started): everything goes again.
        let (again, fields_again) = held.invocation(&first);
        assert_eq!(again, text);
        drop(fields);
        held.read(fields_again);

        // The same handler, context, variables, API base and names: the payload only.
        let (text, fields) = held.invocation(&request("/app/a.ts", Some("http://h"), &env, RunVars::new(NAMES, Vec::new)));
        assert_eq!(parse(&text), serde_json::json!({ "payload": { "n": 1 } }));
        held.read(fields);

        // A changed map with equal contents counts as the same.
        let equal = Arc::new((*env).clone());
        let (text, _) = held.invocation(&request("/app/a.ts", Some("http://h"), &equal, RunVars::new(NAMES, Vec::new)));
        assert_eq!(parse(&text), serde_json::json!({ "payload": { "n": 1 } }));
        // Another context goes.
        let mut retried = request("/app/a.ts", Some("http://h"), &env, RunVars::new(NAMES, Vec::new));
        retried.context = serde_json::json!({ "workspaceId": "w", "retryCount": 1 });
        let (text, _) = held.invocation(&retried);
        assert_eq!(parse(&text), serde_json::json!({ "context": { "workspaceId": "w", "retryCount": 1 }, "payload": { "n": 1 } }));

        // Another module, no API base and no run variables: those go.
        let (text, fields) = held.invocation(&request("/app/b.ts", None, &env, RunVars::default()));
        assert_eq!(
            parse(&text),
            serde_json::json!({
                "key": "/app/b.ts", "handlerName": "default.config.handler", "localApi": null, "runVars": [], "payload": { "n": 1 },
            })
        );
        held.read(fields);
        let (text, _) = held.invocation(&request("/app/b.ts", None, &env, RunVars::default()));
        assert_eq!(parse(&text), serde_json::json!({ "payload": { "n": 1 } }));
    }

    #[test]
    fn run_variables_are_made_once_when_asked_for() {
        let made = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let vars = RunVars::new(NAMES, {
            let made = made.clone();
            move || {
                made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                vec!["a".into(), "b".into()]
            }
        });
        let shared = vars.clone();
        assert!(shared.made().is_empty());
        assert_eq!(vars.values(), ["a", "b"]);
        assert_eq!(vars.values(), ["a", "b"]);
        assert_eq!(shared.made(), ["a", "b"], "clones share the values");
        assert_eq!(made.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert_eq!(RunVars::fixed(NAMES, vec!["k".into(), "k".into()]).made(), ["k", "k"]);
        assert!(RunVars::default().values().is_empty());
        assert_eq!(format!("{vars:?}"), r#"RunVars { names: ["TOKEN_A", "TOKEN_B"], made: true }"#, "values stay out of Debug");
    }
}
