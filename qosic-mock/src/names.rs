//! Names of enum values (endpoints, phone forms, subscriber behaviours, fault kinds) are
//! serde's: each enum derives `Deserialize` with `rename_all = "snake_case"`, and this
//! module reads a bare name through that derive. One list (the enum) and serde's errors,
//! which say what is accepted: ``unknown variant `x`, expected one of `a`, `b` ``.

use serde::de::value::{Error, StrDeserializer};
use serde::de::DeserializeOwned;

/// Reads `name` as a `T`, or says which names `T` accepts.
pub(crate) fn parse<T: DeserializeOwned>(name: &str) -> Result<T, String> {
    T::deserialize(StrDeserializer::<Error>::new(name)).map_err(|e| e.to_string())
}
