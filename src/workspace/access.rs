//! Who is calling the workspace and what they may do. A run gets short-lived
//! tokens minted here (HMAC-signed claims: the app, whether the token acts
//! for the application or the person behind the run, an expiry, and the
//! event depth that started the run); a gateway API key acts as an
//! administrator. An app's permissions come from its application role
//! (`defineApplicationRole`): the all-object flags, then per-object and
//! per-field overrides by universalIdentifier, as Twenty reads them.

use super::Error;
use super::model::{Field, Object};
use crate::domain::RoleManifest;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;
use std::collections::HashMap;

const PREFIX: &str = "sbw1.";

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The application's universalIdentifier.
    pub app: String,
    /// True for `TWENTY_APP_APPLICATION_ACCESS_TOKEN` (the app alone).
    #[serde(default)]
    pub application: bool,
    /// Who triggered the run, when a person did (an authenticated route).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Expiry, Unix milliseconds.
    pub exp: i64,
    /// How many record events led to this run (0 for other triggers).
    #[serde(default)]
    pub depth: u32,
    /// The cascade of record events the run belongs to, if an event started it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// Signs and checks run tokens with a key held in memory.
#[derive(Clone)]
pub struct TokenKey([u8; 32]);

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey([hidden])")
    }
}

impl TokenKey {
    /// A fresh random key: tokens live no longer than the process.
    pub fn random() -> Self {
        let mut key = [0_u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        Self(key)
    }

    fn mac(&self, payload: &str) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable_key());
        mac.update(payload.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    pub fn mint(&self, claims: &Claims) -> String {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let payload = format!("{PREFIX}{}", engine.encode(serde_json::to_vec(claims).unwrap_or_default()));
        let signature = engine.encode(self.mac(&payload));
        format!("{payload}.{signature}")
    }

    /// The claims of a token this key signed, if it has not expired.
    pub fn verify(&self, token: &str, now_ms: i64) -> Result<Claims, Error> {
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let unauthenticated = |why: &str| Error::Unauthenticated(format!("the token is {why}"));
        let (payload, signature) = token.rsplit_once('.').ok_or_else(|| unauthenticated("malformed"))?;
        let body = payload.strip_prefix(PREFIX).ok_or_else(|| unauthenticated("not a switchboard token"))?;
        let signature = engine.decode(signature).map_err(|_| unauthenticated("malformed"))?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable_key());
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature)
            .map_err(|_| unauthenticated("not valid here (a token lives as long as its run, in the gateway that minted it)"))?;
        let claims: Claims = serde_json::from_slice(&engine.decode(body).map_err(|_| unauthenticated("malformed"))?)
            .map_err(|_| unauthenticated("malformed"))?;
        if claims.exp < now_ms {
            return Err(unauthenticated("expired (a run's token expires shortly after the run's timeout)"));
        }
        Ok(claims)
    }
}

/// HMAC takes keys of any length; this cannot happen with a 32-byte key.
fn unreachable_key() -> Hmac<Sha256> {
    #[allow(clippy::expect_used)]
    <Hmac<Sha256> as Mac>::new_from_slice(b"0").expect("HMAC accepts any key length")
}

/// Whoever makes a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A gateway API key: every object and field.
    Admin,
    /// A run's token.
    App(Claims),
}

impl Principal {
    pub fn depth(&self) -> u32 {
        match self {
            Self::Admin => 0,
            Self::App(claims) => claims.depth,
        }
    }

    pub fn origin(&self) -> Option<&str> {
        match self {
            Self::Admin => None,
            Self::App(claims) => claims.origin.as_deref(),
        }
    }
}

/// The operations a role grants per object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Read,
    /// Create and update (Twenty grants both with `canUpdate`).
    Update,
    SoftDelete,
    Destroy,
}

impl Operation {
    pub fn verb(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Update => "create or update",
            Self::SoftDelete => "delete or restore",
            Self::Destroy => "destroy",
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Grants {
    read: Option<bool>,
    update: Option<bool>,
    soft_delete: Option<bool>,
    destroy: Option<bool>,
}

/// An application role, read for checks.
#[derive(Debug, Clone, Default)]
pub struct Permissions {
    all: Grants,
    objects: HashMap<String, Grants>,
    /// (object, field) universalIdentifiers → (read, update).
    fields: HashMap<(String, String), (Option<bool>, Option<bool>)>,
    admin: bool,
}

fn flag(value: &Value, name: &str) -> Option<bool> {
    value.get(name).and_then(Value::as_bool)
}

impl Permissions {
    pub fn admin() -> Self {
        Self { admin: true, ..Self::default() }
    }

    /// The permissions of `role`; `None` (an app without an application
    /// role) grants nothing.
    pub fn of_role(role: Option<&RoleManifest>) -> Self {
        let Some(role) = role else { return Self::default() };
        let extra = Value::Object(role.extra.clone());
        let mut permissions = Self {
            all: Grants {
                read: flag(&extra, "canReadAllObjectRecords"),
                update: flag(&extra, "canUpdateAllObjectRecords"),
                soft_delete: flag(&extra, "canSoftDeleteAllObjectRecords"),
                destroy: flag(&extra, "canDestroyAllObjectRecords"),
            },
            ..Self::default()
        };
        for entry in &role.object_permissions {
            let Some(object) = entry.get("objectUniversalIdentifier").and_then(Value::as_str) else { continue };
            permissions.objects.insert(
                object.to_owned(),
                Grants {
                    read: flag(entry, "canReadObjectRecords"),
                    update: flag(entry, "canUpdateObjectRecords"),
                    soft_delete: flag(entry, "canSoftDeleteObjectRecords"),
                    destroy: flag(entry, "canDestroyObjectRecords"),
                },
            );
        }
        for entry in &role.field_permissions {
            let (Some(object), Some(field)) = (
                entry.get("objectUniversalIdentifier").and_then(Value::as_str),
                entry.get("fieldUniversalIdentifier").and_then(Value::as_str),
            ) else {
                continue;
            };
            permissions
                .fields
                .insert((object.to_owned(), field.to_owned()), (flag(entry, "canReadFieldValue"), flag(entry, "canUpdateFieldValue")));
        }
        permissions
    }

    /// Whether `operation` is allowed on `object`'s records.
    pub fn can(&self, object: &Object, operation: Operation) -> bool {
        if self.admin {
            return true;
        }
        let pick = |grants: &Grants| match operation {
            Operation::Read => grants.read,
            Operation::Update => grants.update,
            Operation::SoftDelete => grants.soft_delete,
            Operation::Destroy => grants.destroy,
        };
        let granted = self.objects.get(&object.universal_identifier).and_then(pick).or_else(|| pick(&self.all)).unwrap_or(false);
        // Writing implies reading what was written, as in Twenty.
        granted && (operation == Operation::Read || self.can(object, Operation::Read))
    }

    /// Refuses `operation` on `object` with a message naming both.
    pub fn require(&self, object: &Object, operation: Operation) -> Result<(), Error> {
        if self.can(object, operation) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("the application role may not {} {} records", operation.verb(), object.name_singular)))
        }
    }

    pub fn can_read_field(&self, object: &Object, field: &Field) -> bool {
        self.admin
            || field.name == "id"
            || self.fields.get(&(object.universal_identifier.clone(), field.universal_identifier.clone())).and_then(|grant| grant.0)
                != Some(false)
    }

    pub fn can_update_field(&self, object: &Object, field: &Field) -> bool {
        self.admin
            || self.fields.get(&(object.universal_identifier.clone(), field.universal_identifier.clone())).and_then(|grant| grant.1)
                != Some(false)
    }

    /// The names of `object`'s fields this role may not read.
    pub fn hidden_fields(&self, object: &Object) -> Vec<String> {
        if self.admin || self.fields.is_empty() {
            return Vec::new();
        }
        object.fields.iter().filter(|field| !self.can_read_field(object, field)).map(|field| field.name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_unexpired_and_unaltered() {
        let key = TokenKey::random();
        let claims = Claims { app: "app".into(), application: false, user: None, exp: 2_000, depth: 1, origin: None };
        let token = key.mint(&claims);
        assert_eq!(key.verify(&token, 1_000).expect("valid"), claims);
        assert!(key.verify(&token, 3_000).expect_err("expired").to_string().contains("expired"));
        assert!(TokenKey::random().verify(&token, 1_000).is_err());
        let mut forged = token.clone();
        forged.insert(10, 'x');
        assert!(key.verify(&forged, 1_000).is_err());
    }

    #[test]
    fn object_grants_override_the_all_object_flags() {
        let role: RoleManifest = serde_json::from_value(serde_json::json!({
            "universalIdentifier": "r", "label": "r",
            "canReadAllObjectRecords": true, "canUpdateAllObjectRecords": true,
            "objectPermissions": [{ "objectUniversalIdentifier": "20202020-b374-4779-a561-80086cb2e17f", "canUpdateObjectRecords": false }],
        }))
        .expect("role");
        let permissions = Permissions::of_role(Some(&role));
        let model = super::super::model::Model::build(std::iter::empty()).expect("model");
        let company = model.object("company").expect("company");
        let person = model.object("person").expect("person");
        assert!(permissions.can(company, Operation::Read));
        assert!(!permissions.can(company, Operation::Update));
        assert!(permissions.can(person, Operation::Update));
        assert!(!permissions.can(person, Operation::Destroy));
        let error = permissions.require(company, Operation::Update).expect_err("refused");
        assert!(error.to_string().contains("create or update company"), "{error}");
    }
}
