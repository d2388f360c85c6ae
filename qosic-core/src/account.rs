//! Who holds a number's account ([`AccountHolder`]) and the amount available to withdraw
//! ([`Balance`]): the answers of QosIc's `getaccountholderinfo(mv)` and
//! `getavailableamountowithdraw`, read by [`Client::account_holder`] and
//! [`Client::balance`].
//!
//! Holders' names are personal data: `Debug` and `Display` show them masked (`A*** L***`),
//! like numbers; the names themselves are there for the caller to compare
//! ([`Holder::first_name`]), never for logs.
//!
//! [`Client::account_holder`]: crate::Client::account_holder
//! [`Client::balance`]: crate::Client::balance

use std::fmt;

use serde_json::{Map, Value};

use crate::types::Msisdn;
use crate::wire::mask_numbers;

/// The state of a holder's account, as QosIc's `accountholderstatus` says it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountStatus {
    /// `ACTIVE`: the account can receive money.
    Active,
    /// Any other state QosIc names (`BLOCKED`, `INACTIVE`…), as sent (uppercase): the
    /// account exists but may not receive money.
    Other(String),
}

impl AccountStatus {
    /// The status as QosIc names it: `ACTIVE`, or the other state's name.
    pub fn as_str(&self) -> &str {
        match self {
            AccountStatus::Active => "ACTIVE",
            AccountStatus::Other(other) => other,
        }
    }

    /// Whether the account is active.
    pub fn is_active(&self) -> bool {
        *self == AccountStatus::Active
    }
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The holder of an existing account: names and account state.
///
/// `Debug` and `Display` mask the names and the number.
#[derive(Clone, PartialEq, Eq)]
pub struct Holder {
    phone: Msisdn,
    first_name: String,
    last_name: String,
    status: AccountStatus,
}

impl Holder {
    /// A holder, as a fake server or a test builds one.
    pub fn new(
        phone: Msisdn,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
        status: AccountStatus,
    ) -> Holder {
        Holder {
            phone,
            first_name: first_name.into(),
            last_name: last_name.into(),
            status,
        }
    }

    /// The number looked up.
    pub fn phone(&self) -> &Msisdn {
        &self.phone
    }

    /// The holder's first name, as QosIc sent it (`firstName`; may be empty). Personal data:
    /// compare it, do not log it ([`Holder::masked_name`] is for logs).
    pub fn first_name(&self) -> &str {
        &self.first_name
    }

    /// The holder's last name (`surName`; may be empty). Personal data, like the first name.
    pub fn last_name(&self) -> &str {
        &self.last_name
    }

    /// The account's state.
    pub fn status(&self) -> &AccountStatus {
        &self.status
    }

    /// The names masked for logs and screens: the first letter of each, then `***`
    /// (`A*** L***`).
    pub fn masked_name(&self) -> String {
        let mut out = String::new();
        for name in [&self.first_name, &self.last_name] {
            if let Some(first) = name.trim().chars().next() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push(first);
                out.push_str("***");
            }
        }
        if out.is_empty() {
            out.push_str("(no name)");
        }
        out
    }
}

impl fmt::Debug for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Holder")
            .field("phone", &self.phone)
            .field("name", &self.masked_name())
            .field("status", &self.status)
            .finish()
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}) holds {}",
            self.masked_name(),
            self.status,
            self.phone.masked()
        )
    }
}

/// Who holds the account of a number: a holder, or no account at all.
///
/// A number without a mobile-money account is an answer, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccountHolder {
    /// The number has an account.
    Found(Holder),
    /// The number has no mobile-money account with this carrier
    /// (`ACCOUNTHOLDER_NOT_FOUND`, or HTTP 417).
    NotFound {
        /// The number looked up.
        phone: Msisdn,
    },
}

impl AccountHolder {
    /// The holder, when the number has an account.
    pub fn holder(&self) -> Option<&Holder> {
        match self {
            AccountHolder::Found(holder) => Some(holder),
            AccountHolder::NotFound { .. } => None,
        }
    }

    /// Whether the number has an active account: what a deposit needs.
    pub fn is_active(&self) -> bool {
        self.holder().is_some_and(|h| h.status.is_active())
    }

    /// The number looked up.
    pub fn phone(&self) -> &Msisdn {
        match self {
            AccountHolder::Found(holder) => &holder.phone,
            AccountHolder::NotFound { phone } => phone,
        }
    }
}

impl fmt::Display for AccountHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccountHolder::Found(holder) => holder.fmt(f),
            AccountHolder::NotFound { phone } => {
                write!(f, "{} has no mobile-money account", phone.masked())
            }
        }
    }
}

/// The amount a carrier account holds that the merchant may withdraw (or pay out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub(crate) carrier: String,
    pub(crate) xof: u64,
    pub(crate) code: Option<String>,
    pub(crate) message: Option<String>,
}

impl Balance {
    /// The carrier whose account it is.
    pub fn carrier(&self) -> &str {
        &self.carrier
    }

    /// The amount available to withdraw, in whole XOF (a fractional amount is rounded down).
    pub fn xof(&self) -> u64 {
        self.xof
    }

    /// QosIc's `responsecode`, when given.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// QosIc's `responsemsg`, numbers masked, when given.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

impl fmt::Display for Balance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} XOF available on {}", self.xof, self.carrier)
    }
}

/// A JSON answer's top-level object, if it is one.
pub(crate) fn object(body: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// The value of `key` (compared without case) as text: strings trimmed, numbers in their
/// JSON form, control characters escaped and cut as every server text the SDK shows
/// ([`server_text::reason`](crate::server_text::reason)); `None` when absent, `null`, empty
/// or another kind of value.
pub(crate) fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    let value = map.get(key).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })?;
    let text = match value {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then(|| crate::server_text::reason_owned(text))
}

/// A code as a number, when it is one (`"00"` is 0).
pub(crate) fn numeric(code: Option<&str>) -> Option<i64> {
    code.and_then(|c| c.trim().parse().ok())
}

/// What an account-holder answer (HTTP 2xx) says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum HolderReading {
    Found {
        first_name: String,
        last_name: String,
        status: AccountStatus,
    },
    NotFound,
    /// `-2`: the client id is unknown.
    InvalidClientId,
    /// Another code without a holder: refused.
    Refused {
        code: Option<String>,
        message: String,
    },
    /// Not JSON, or neither a holder nor a code.
    Unreadable(&'static str),
}

/// Reads a 2xx answer to `getaccountholderinfo`:
/// `{msisdn, firstName, surName, accountholderstatus, responsecode, responsemsg}`.
pub(crate) fn read_holder(body: &[u8]) -> HolderReading {
    let Some(map) = object(body) else {
        return HolderReading::Unreadable("the body is not a JSON object");
    };
    let code = text(&map, "responsecode");
    let message = text(&map, "responsemsg").map(|m| mask_numbers(&m).into_owned());
    let status = text(&map, "accountholderstatus").map(|s| s.to_ascii_uppercase());
    let first = text(&map, "firstName").unwrap_or_default();
    let last = text(&map, "surName")
        .or_else(|| text(&map, "lastName"))
        .unwrap_or_default();
    let not_found = |s: &str| s.replace(['_', ' '], "").contains("NOTFOUND");
    if status.as_deref().is_some_and(not_found)
        || message
            .as_deref()
            .is_some_and(|m| not_found(&m.to_ascii_uppercase()))
    {
        return HolderReading::NotFound;
    }
    let number = numeric(code.as_deref());
    if number == Some(-2) {
        return HolderReading::InvalidClientId;
    }
    match (number, status) {
        (Some(0) | None, Some(status)) => HolderReading::Found {
            first_name: first,
            last_name: last,
            status: if status == "ACTIVE" {
                AccountStatus::Active
            } else {
                AccountStatus::Other(status)
            },
        },
        // Names without a status: an account whose state QosIc did not say.
        (Some(0) | None, None) if !first.is_empty() || !last.is_empty() => HolderReading::Found {
            first_name: first,
            last_name: last,
            status: AccountStatus::Other("UNKNOWN".to_owned()),
        },
        (Some(_), _) => HolderReading::Refused {
            message: message.unwrap_or_else(|| "no message".to_owned()),
            code,
        },
        (None, _) if code.is_some() => {
            HolderReading::Unreadable("the response code is not a number")
        }
        (None, _) => {
            HolderReading::Unreadable("no accountholderstatus, names or responsecode in the answer")
        }
    }
}

/// What a balance answer (HTTP 2xx) says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BalanceReading {
    Amount {
        xof: u64,
        code: Option<String>,
        message: Option<String>,
    },
    InvalidClientId,
    Refused {
        code: Option<String>,
        message: String,
    },
    Unreadable(String),
}

/// Reads a 2xx answer to `getavailableamountowithdraw`: `{responsecode, responsemsg, amount}`.
pub(crate) fn read_balance(body: &[u8]) -> BalanceReading {
    let Some(map) = object(body) else {
        return BalanceReading::Unreadable(format!(
            "the body is not a JSON object: {}",
            crate::wire::excerpt(body, 120)
        ));
    };
    let code = text(&map, "responsecode");
    let message = text(&map, "responsemsg").map(|m| mask_numbers(&m).into_owned());
    let number = numeric(code.as_deref());
    match number {
        Some(-2) => return BalanceReading::InvalidClientId,
        Some(0) | None => {}
        Some(_) => {
            return BalanceReading::Refused {
                message: message.unwrap_or_else(|| "no message".to_owned()),
                code,
            }
        }
    }
    let amount = text(&map, "amount");
    match amount.as_deref().and_then(parse_xof) {
        Some(xof) => BalanceReading::Amount { xof, code, message },
        None => BalanceReading::Unreadable(match amount {
            Some(a) => format!(
                "amount {:?} is not a non-negative number of XOF",
                mask_numbers(&a)
            ),
            None => "the answer has no amount".to_owned(),
        }),
    }
}

/// Whole XOF from `"1500"`, `"1500.00"` or `1500.5` (rounded down); `None` for anything else.
fn parse_xof(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let f = text.parse::<f64>().ok()?;
    (f.is_finite() && f >= 0.0 && f < u64::MAX as f64).then(|| f.floor() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holders_are_read_in_every_shape_on_record() {
        let found = read_holder(
            br#"{"msisdn":"22997000100","firstName":"Ada","surName":"Lovelace","accountholderstatus":"ACTIVE","responsecode":"00","responsemsg":"SUCCESSFUL"}"#,
        );
        assert_eq!(
            found,
            HolderReading::Found {
                first_name: "Ada".into(),
                last_name: "Lovelace".into(),
                status: AccountStatus::Active
            }
        );
        let blocked =
            read_holder(br#"{"firstName":"A","surName":"B","accountholderstatus":"blocked"}"#);
        assert!(
            matches!(blocked, HolderReading::Found { status: AccountStatus::Other(ref s), .. } if s == "BLOCKED")
        );
        assert_eq!(
            read_holder(
                br#"{"accountholderstatus":"ACCOUNTHOLDER_NOT_FOUND","responsecode":"-1"}"#
            ),
            HolderReading::NotFound
        );
        assert_eq!(
            read_holder(br#"{"responsecode":"-2","responsemsg":"Invalid Client Id"}"#),
            HolderReading::InvalidClientId
        );
        assert!(matches!(
            read_holder(br#"{"responsecode":"-1","responsemsg":"failed for 22997000100"}"#),
            HolderReading::Refused { ref message, .. } if !message.contains("22997000100")
        ));
        assert!(matches!(
            read_holder(b"<html>"),
            HolderReading::Unreadable(_)
        ));
        assert!(matches!(read_holder(b"{}"), HolderReading::Unreadable(_)));
    }

    #[test]
    fn balances_are_read_as_whole_xof() {
        assert_eq!(
            read_balance(br#"{"responsecode":"00","responsemsg":"SUCCESSFUL","amount":"1500"}"#),
            BalanceReading::Amount {
                xof: 1500,
                code: Some("00".into()),
                message: Some("SUCCESSFUL".into())
            }
        );
        assert!(matches!(
            read_balance(br#"{"responsecode":0,"amount":2500.75}"#),
            BalanceReading::Amount { xof: 2500, .. }
        ));
        assert!(matches!(
            read_balance(br#"{"responsecode":"00"}"#),
            BalanceReading::Unreadable(_)
        ));
        assert!(matches!(
            read_balance(br#"{"amount":"-5"}"#),
            BalanceReading::Unreadable(_)
        ));
        assert!(matches!(
            read_balance(br#"{"responsecode":"-1"}"#),
            BalanceReading::Refused { .. }
        ));
        assert_eq!(
            read_balance(br#"{"responsecode":"-2"}"#),
            BalanceReading::InvalidClientId
        );
    }

    #[test]
    fn names_never_show_in_debug_or_display() {
        let holder = Holder::new(
            Msisdn::parse("22997000100").unwrap(),
            "Ada",
            "Lovelace",
            AccountStatus::Active,
        );
        let shown = format!(
            "{holder:?} {holder} {:?}",
            AccountHolder::Found(holder.clone())
        );
        assert!(
            !shown.contains("Lovelace") && !shown.contains("Ada"),
            "{shown}"
        );
        assert!(!shown.contains("97000100"), "{shown}");
        assert_eq!(holder.masked_name(), "A*** L***");
    }
}
