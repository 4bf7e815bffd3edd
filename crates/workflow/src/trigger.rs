//! A workflow's trigger, checked: which trigger, how it learns of changes, how often it
//! polls, its parameters, and the store and credential it watches with.

use std::time::Duration;

use bigcommerce_api::StoreHash;
use serde_json::{Map, Value};
use syncaut_actions::triggers::{TRIGGERS, Trigger, find_trigger};
use syncaut_actions::{Literal, ParamType};

use crate::CredentialRef;
use crate::file::{WorkflowError, WrittenTrigger, at};

/// How a trigger learns of changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// It asks the store every interval.
    Poll,
    /// BigCommerce calls the service; it also polls now and then as a safety net.
    Webhook,
}

impl Mode {
    /// As written.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Poll => "poll",
            Self::Webhook => "webhook",
        }
    }
}

/// The shortest and longest polling intervals.
pub const MIN_EVERY: Duration = Duration::from_secs(1);
/// The longest polling interval.
pub const MAX_EVERY: Duration = Duration::from_secs(24 * 3600);

/// A checked trigger.
#[derive(Debug, Clone)]
pub struct PlannedTrigger {
    /// Its line.
    pub line: usize,
    /// The trigger.
    pub trigger: &'static Trigger,
    /// How it learns of changes.
    pub mode: Mode,
    /// How often it polls.
    pub every: Duration,
    /// Its parameters, checked (`status_id`, `below`).
    pub params: Map<String, Value>,
    /// The store it watches (its own, or the workflow's default).
    pub store_hash: Option<StoreHash>,
    /// Its credential (its own, or the workflow's default).
    pub credential: Option<CredentialRef>,
}

/// `30s`, `5m`, `1h`.
pub fn parse_every(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        _ => return None,
    };
    Some(Duration::from_secs(seconds)).filter(|d| (MIN_EVERY..=MAX_EVERY).contains(d))
}

pub(crate) fn check(
    written: &WrittenTrigger,
    line: usize,
    default_store: Option<&str>,
    default_credential: Option<CredentialRef>,
) -> Result<PlannedTrigger, WorkflowError> {
    let trigger = find_trigger(&written.kind).ok_or_else(|| {
        let known: Vec<&str> = TRIGGERS.iter().map(|t| t.id).collect();
        at(
            line,
            format!(
                "unknown trigger `{}`; the triggers are {}",
                written.kind,
                known.join(", ")
            ),
        )
    })?;
    let mode = match written.mode.as_deref() {
        None | Some("poll") => Mode::Poll,
        Some("webhook") => Mode::Webhook,
        Some(other) => return Err(at(line, format!("trigger mode `{other}` is not poll or webhook"))),
    };
    let every = match written.every.as_deref() {
        None => Duration::from_secs(60),
        Some(text) => parse_every(text).ok_or_else(|| {
            at(
                line,
                format!("trigger `every: {text}` is not an interval from 1s to 24h, such as 30s, 5m or 1h"),
            )
        })?,
    };
    let mut params = Map::new();
    for (key, value) in &written.params.0 {
        let Some(param) = trigger.params.iter().find(|p| p.key == key) else {
            let known: Vec<&str> = trigger.params.iter().map(|p| p.key).collect();
            return Err(at(
                line,
                format!(
                    "trigger {} has no parameter `{key}`; its parameters are: {}",
                    trigger.id,
                    if known.is_empty() {
                        "(none)".to_owned()
                    } else {
                        known.join(", ")
                    }
                ),
            ));
        };
        let number = match (param.ty, value) {
            (ParamType::Integer, Value::Number(n)) => n.as_i64(),
            (ParamType::Integer, Value::String(text)) => text.trim().parse::<i64>().ok().or_else(|| {
                param
                    .choices
                    .iter()
                    .find(|c| c.label.eq_ignore_ascii_case(text.trim()))
                    .and_then(|c| match c.value {
                        Literal::Int(n) => Some(n),
                        _ => None,
                    })
            }),
            _ => None,
        };
        let Some(number) = number else {
            return Err(at(line, format!("trigger parameter `{key}` must be a whole number")));
        };
        let allowed = param.choices.is_empty() || param.choices.iter().any(|c| c.value == Literal::Int(number));
        if !allowed || param.minimum.is_some_and(|min| number < min) {
            return Err(at(line, format!("trigger parameter `{key}` cannot be {number}")));
        }
        params.insert(key.clone(), Value::from(number));
    }
    let store_hash = written
        .store_hash
        .as_deref()
        .or(default_store)
        .map(|hash| StoreHash::new(hash).map_err(|e| at(line, e.to_string())))
        .transpose()?;
    let credential = written
        .credential
        .clone()
        .map(CredentialRef::Named)
        .or(default_credential);
    Ok(PlannedTrigger {
        line,
        trigger,
        mode,
        every,
        params,
        store_hash,
        credential,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_read_seconds_minutes_and_hours_within_bounds() {
        assert_eq!(parse_every("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_every("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_every("1h"), Some(Duration::from_secs(3600)));
        for bad in ["0s", "25h", "10", "m", "1.5m", "-5s", "99999999999999999999h"] {
            assert_eq!(parse_every(bad), None, "{bad}");
        }
    }
}
