//! The workflow file format (YAML, or JSON, which is YAML too), read strictly: unknown
//! keys and duplicate keys are errors with their line, the file and its step count are
//! bounded, and YAML aliases cannot expand without limit.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// The largest workflow file read.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// The most steps a workflow may have.
pub const MAX_STEPS: usize = 500;

/// One step as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct WrittenStep {
    pub(crate) name: String,
    pub(crate) action: String,
    #[serde(default)]
    pub(crate) store_hash: Option<String>,
    #[serde(default)]
    pub(crate) credential: Option<String>,
    #[serde(default)]
    pub(crate) token_env: Option<String>,
    /// Runs the step once per item of the list this template gives.
    #[serde(default)]
    pub(crate) for_each: Option<String>,
    #[serde(default)]
    pub(crate) params: StrictMap,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Defaults {
    #[serde(default)]
    pub(crate) store_hash: Option<String>,
    #[serde(default)]
    pub(crate) credential: Option<String>,
    #[serde(default)]
    pub(crate) token_env: Option<String>,
}

/// A trigger as written: `trigger: {type: order_created, mode: poll, every: 60s}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct WrittenTrigger {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) mode: Option<String>,
    #[serde(default)]
    pub(crate) every: Option<String>,
    #[serde(default)]
    pub(crate) store_hash: Option<String>,
    #[serde(default)]
    pub(crate) credential: Option<String>,
    #[serde(default)]
    pub(crate) params: StrictMap,
}

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct File {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) trigger: Option<WrittenTrigger>,
    #[serde(default)]
    #[allow(dead_code)]
    pub(crate) description: Option<String>,
    #[serde(default)]
    pub(crate) defaults: Defaults,
    pub(crate) steps: Vec<WrittenStep>,
}

/// Why a workflow file was rejected: the line (when known) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowError {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub reason: String,
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for WorkflowError {}

pub(crate) fn at(line: usize, reason: impl Into<String>) -> WorkflowError {
    WorkflowError {
        line: Some(line),
        reason: reason.into(),
    }
}

/// A JSON object read from YAML, refusing a key given twice (YAML readers otherwise keep
/// the last one silently).
#[derive(Debug, Clone, Default)]
pub(crate) struct StrictMap(pub(crate) Map<String, Value>);

/// Any JSON value read from YAML, objects checked like [`StrictMap`].
struct StrictValue(Value);

const DUPLICATE: &str = "duplicate key `";

impl<'de> Deserialize<'de> for StrictMap {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match StrictValue::deserialize(deserializer)?.0 {
            Value::Object(map) => Ok(Self(map)),
            Value::Null => Ok(Self::default()),
            other => Err(de::Error::custom(format!(
                "`params` must be a mapping of parameter names to values, not {}",
                describe(&other)
            ))),
        }
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = StrictValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::from(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::from(v)))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<StrictValue, E> {
        serde_json::Number::from_f64(v)
            .map(|n| StrictValue(Value::Number(n)))
            .ok_or_else(|| E::custom("a number must be finite"))
    }
    fn visit_str<E>(self, v: &str) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v.to_owned())))
    }
    fn visit_string<E>(self, v: String) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::String(v)))
    }
    fn visit_unit<E>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }
    fn visit_none<E>(self) -> Result<StrictValue, E> {
        Ok(StrictValue(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<StrictValue, D::Error> {
        StrictValue::deserialize(deserializer)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StrictValue, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(StrictValue(Value::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StrictValue, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let StrictValue(value) = map.next_value()?;
            if object.contains_key(&key) {
                return Err(de::Error::custom(format!(
                    "{DUPLICATE}{key}`: each key may appear once in a mapping"
                )));
            }
            object.insert(key, value);
        }
        Ok(StrictValue(Value::Object(object)))
    }
}

/// Reads the file, with the line of any error.
pub(crate) fn read(text: &str) -> Result<File, WorkflowError> {
    if text.len() > MAX_FILE_BYTES {
        return Err(WorkflowError {
            line: None,
            reason: format!(
                "the workflow file is {} bytes; the most a workflow file may hold is {MAX_FILE_BYTES}",
                text.len()
            ),
        });
    }
    let file: File = serde_norway::from_str(text).map_err(|e| {
        let reason = e.to_string();
        let line = e.location().map(|l| l.line());
        WorkflowError {
            line: line.map(|l| duplicate_line(text, l, &reason).unwrap_or(l)),
            reason: strip_location(&reason),
        }
    })?;
    if file.steps.is_empty() {
        return Err(WorkflowError {
            line: None,
            reason: "the workflow has no steps; add a list under `steps:`".into(),
        });
    }
    if file.steps.len() > MAX_STEPS {
        return Err(WorkflowError {
            line: None,
            reason: format!(
                "the workflow has {} steps; the most a workflow may have is {MAX_STEPS}",
                file.steps.len()
            ),
        });
    }
    Ok(file)
}

/// serde_norway ends messages with " at line L column C": the line is reported apart.
fn strip_location(reason: &str) -> String {
    match reason.rfind(" at line ") {
        Some(at) => reason[..at].to_owned(),
        None => reason.to_owned(),
    }
}

/// A duplicate key is reported at the start of its mapping; the line of its second
/// appearance is more useful.
fn duplicate_line(text: &str, from: usize, reason: &str) -> Option<usize> {
    let key = reason.split(DUPLICATE).nth(1)?.split('`').next()?;
    let forms = [format!("{key}:"), format!("\"{key}\":"), format!("'{key}':")];
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .filter(|(_, line)| {
            let trimmed = line.trim_start().trim_start_matches("- ");
            forms.iter().any(|f| trimmed.starts_with(f.as_str()))
        })
        .nth(1)
        .map(|(index, _)| index + 1)
}

/// Where each step starts and ends in the file, for messages.
pub(crate) struct Lines<'a> {
    lines: Vec<&'a str>,
    /// The first line of each step, 1-based.
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    /// The `- ` items of the `steps:` list. Falls back to the line of `steps` when the file
    /// is not in block style (JSON, flow YAML). One pass over the file.
    pub(crate) fn new(text: &'a str, count: usize) -> Self {
        let lines: Vec<&str> = text.lines().collect();
        let steps_line = lines.iter().position(|l| {
            let t = l.trim_start();
            t.starts_with("steps:") || t.starts_with("\"steps\"")
        });
        let Some(start) = steps_line else {
            return Self {
                lines,
                starts: vec![1; count],
            };
        };
        let mut indent = None;
        let mut found = Vec::new();
        for (i, line) in lines.iter().enumerate().skip(start + 1) {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let width = line.len() - trimmed.len();
            if width == 0 && !trimmed.starts_with('-') {
                break;
            }
            if trimmed.starts_with("- ") || trimmed == "-" {
                match indent {
                    None => indent = Some(width),
                    Some(w) if w != width => continue,
                    Some(_) => {}
                }
                found.push(i + 1);
            }
        }
        let starts = if found.len() == count {
            found
        } else {
            vec![start + 1; count]
        };
        Self { lines, starts }
    }

    /// The line of the file's `trigger:`, or 1.
    pub(crate) fn trigger(&self) -> usize {
        self.lines
            .iter()
            .position(|l| {
                let t = l.trim_start();
                t.starts_with("trigger:") || t.starts_with("\"trigger\"")
            })
            .map_or(1, |i| i + 1)
    }

    /// The first line of step `index`.
    pub(crate) fn start(&self, index: usize) -> usize {
        self.starts.get(index).copied().unwrap_or(1)
    }

    /// The line of `needle` within step `index`'s lines, or the step's first line.
    pub(crate) fn find(&self, index: usize, needle: &str) -> usize {
        let start = self.start(index);
        let end = self
            .starts
            .get(index + 1)
            .copied()
            .filter(|next| *next > start)
            .unwrap_or(self.lines.len() + 1);
        (start..end)
            .find(|l| self.lines.get(l - 1).is_some_and(|text| text.contains(needle)))
            .unwrap_or(start)
    }
}
