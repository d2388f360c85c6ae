//! Who holds a number's account: the answers to `getaccountholderinfo` (MTN) and
//! `getaccountholderinfomv` (MOOV), programmed or by the magic endings (see the crate guide,
//! "Account holders, balance, card payments"): 200 `{msisdn, firstName, surName,
//! accountholderstatus, responsecode, responsemsg}`.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::Deserialize;
use serde_json::json;

use crate::numbering::{self, PhoneForms};
use crate::reply::{fail, lock, Reply};
use crate::wire::Body;

/// The first name of a number with an account and no programmed holder.
pub const DEFAULT_FIRST_NAME: &str = "Jean";
/// The last name of a number with an account and no programmed holder.
pub const DEFAULT_LAST_NAME: &str = "Dossou";

/// At most this many holders are programmed at once.
const MAX_HOLDERS: usize = 10_000;
/// Names and states longer than this are refused.
const MAX_TEXT: usize = 100;

/// The holder of a number, as the fake server answers it.
///
/// ```
/// use qosic_mock::{HolderInfo, MockQosic};
/// let mock = MockQosic::in_process();
/// mock.account_holder("22997000100", HolderInfo::active("Ada", "Lovelace"));
/// mock.account_holder("22997000101", HolderInfo::active("Bob", "Marley").with_status("BLOCKED"));
/// mock.account_holder("22997000102", HolderInfo::not_found());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HolderInfo {
    /// `firstName`.
    #[serde(default)]
    pub first_name: String,
    /// `surName`.
    #[serde(default)]
    pub last_name: String,
    /// `accountholderstatus`: `ACTIVE`, `BLOCKED`… or `ACCOUNTHOLDER_NOT_FOUND`.
    #[serde(default = "active")]
    pub status: String,
}

fn active() -> String {
    "ACTIVE".to_owned()
}

impl HolderInfo {
    /// An active account held by these names.
    pub fn active(first_name: impl Into<String>, last_name: impl Into<String>) -> HolderInfo {
        HolderInfo {
            first_name: first_name.into(),
            last_name: last_name.into(),
            status: active(),
        }
    }

    /// No account: `ACCOUNTHOLDER_NOT_FOUND`.
    pub fn not_found() -> HolderInfo {
        HolderInfo {
            first_name: String::new(),
            last_name: String::new(),
            status: "ACCOUNTHOLDER_NOT_FOUND".to_owned(),
        }
    }

    /// The same holder with another account state (`BLOCKED`, `INACTIVE`…).
    pub fn with_status(mut self, status: impl Into<String>) -> HolderInfo {
        self.status = status.into().to_ascii_uppercase();
        self
    }

    fn check(&self) -> Result<(), String> {
        for (name, text) in [
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
            ("status", &self.status),
        ] {
            if text.chars().count() > MAX_TEXT || text.chars().any(char::is_control) {
                return Err(format!(
                    "{name} must be at most {MAX_TEXT} characters, without control characters"
                ));
            }
        }
        if self.status.trim().is_empty() {
            return Err(
                "status must not be empty (ACTIVE, BLOCKED, ACCOUNTHOLDER_NOT_FOUND…)".to_owned(),
            );
        }
        Ok(())
    }
}

/// The programmed holders, by number (capped at [`MAX_HOLDERS`]).
#[derive(Debug, Default)]
pub(crate) struct Holders {
    by_number: Mutex<HashMap<String, HolderInfo>>,
}

impl Holders {
    pub(crate) fn set(&self, phone: &str, info: HolderInfo) -> Result<(), String> {
        info.check()?;
        let phone = numbering::parse_lenient(phone)?;
        let key = numbering::key(&phone);
        let mut map = lock(&self.by_number);
        if map.len() >= MAX_HOLDERS && !map.contains_key(&key) {
            return Err(format!(
                "at most {MAX_HOLDERS} holders can be programmed at once; forget them with \
                 DELETE /__admin/holders"
            ));
        }
        map.insert(key, info);
        Ok(())
    }

    /// Forgets every programmed holder.
    pub(crate) fn clear(&self) {
        *lock(&self.by_number) = HashMap::new();
    }

    /// The holder of `phone`: programmed, or by its magic ending; `None` when the server
    /// fails for it (ending `94`).
    fn of(&self, phone: &qosic_core::Msisdn) -> Option<HolderInfo> {
        if let Some(info) = lock(&self.by_number).get(&numbering::key(phone)) {
            return Some(info.clone());
        }
        match numbering::last_two(phone) {
            "92" => Some(HolderInfo::not_found()),
            "94" => None,
            "95" => Some(HolderInfo::active("Bloque", "Compte").with_status("BLOCKED")),
            _ => Some(HolderInfo::active(DEFAULT_FIRST_NAME, DEFAULT_LAST_NAME)),
        }
    }
}

/// The answer to an account-holder request whose credentials and client id were accepted.
pub(crate) fn answer(holders: &Holders, body: &Body, forms: PhoneForms) -> Result<Reply, String> {
    let msisdn = body.msisdn.string("msisdn")?;
    let phone = numbering::parse_wire(msisdn, forms)?;
    let Some(info) = holders.of(&phone) else {
        return Ok(fail(
            500,
            "the number ends in 94: the fake server fails for it",
        ));
    };
    let found = !info.status.replace('_', "").contains("NOTFOUND");
    let (code, message) = if found {
        ("00", "SUCCESSFUL")
    } else {
        ("-1", "ACCOUNTHOLDER_NOT_FOUND")
    };
    Ok(Reply::json(
        200,
        &json!({
            "msisdn": msisdn,
            "firstName": info.first_name,
            "surName": info.last_name,
            "accountholderstatus": info.status,
            "responsecode": code,
            "responsemsg": message,
        }),
    ))
}

/// The body of `POST /__admin/holders`.
#[derive(Deserialize)]
struct AdminHolder {
    phone: String,
    #[serde(flatten)]
    info: HolderInfo,
}

/// `POST /__admin/holders` (body `{"phone", "first_name", "last_name", "status"}`).
pub(crate) fn admin_set(holders: &Holders, body: &[u8]) -> Reply {
    let set = serde_json::from_slice(body)
        .map_err(|e| {
            format!(
                "the body must be {{\"phone\": \"…\", \"first_name\": \"…\", \
                 \"last_name\": \"…\", \"status\": \"ACTIVE\"}}: {e}"
            )
        })
        .and_then(|AdminHolder { phone, info }| {
            let status = info.status.clone();
            holders.set(&phone, info.with_status(status))
        });
    match set {
        Ok(()) => Reply::json(200, &json!({"status": "ok"})),
        Err(e) => fail(400, &e),
    }
}
