//! What a step outputs, and the outputs of earlier steps that templates read.
//!
//! A step outputs `{"data": …, "action": "<id>", "storeHash": "<hash>"}`, and a "return
//! all" adds `meta`. The records of a "return all" are kept as the JSON text BigCommerce
//! sent, one checked slice per record, instead of a tree of `serde_json::Value`s: ten
//! thousand products are 14 MiB of JSON but well over 200 MiB as values. A record is
//! parsed only when something reads into it: `{{getProducts.data.[3].id}}` parses record
//! 3, and printing parses one record at a time.

use std::borrow::Cow;
use std::sync::Arc;

use bigcommerce_api::StoreHash;
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

/// One step's output envelope. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Output(Repr);

#[derive(Clone, Debug)]
enum Repr {
    /// A single request's output, `{"data": …, "action": …, "storeHash": …}`, held by field
    /// (no map to build for every step).
    Step {
        data: Value,
        action: &'static str,
        store_hash: StoreHash,
    },
    /// A "return all": `data` as records of JSON text, and the rest of the envelope.
    Records {
        records: Arc<[Box<RawValue>]>,
        rest: Map<String, Value>,
    },
    /// Any envelope held as a value (an output given as context, for example).
    Value(Value),
}

/// One top-level field of an output, read without materialising records.
pub(crate) enum Field<'a> {
    Value(&'a Value),
    Text(&'a str),
    Records(&'a [Box<RawValue>]),
}

/// Parses one record, checked when it was received.
pub(crate) fn parse_record(record: &RawValue) -> Result<Value, serde_json::Error> {
    serde_json::from_str(record.get())
}

fn parse_all(records: &[Box<RawValue>]) -> Value {
    Value::Array(records.iter().filter_map(|r| parse_record(r).ok()).collect())
}

impl Output {
    /// An output held as a value.
    pub fn from_value(value: Value) -> Self {
        Self(Repr::Value(value))
    }

    /// A single request's output.
    pub(crate) fn step(data: Value, action: &'static str, store_hash: StoreHash) -> Self {
        Self(Repr::Step {
            data,
            action,
            store_hash,
        })
    }

    /// A "return all": `{"data": [records…], ...rest}`.
    pub(crate) fn from_records(records: Vec<Box<RawValue>>, rest: Map<String, Value>) -> Self {
        Self(Repr::Records {
            records: records.into(),
            rest,
        })
    }

    /// The whole output, when it is held as one value.
    pub(crate) fn as_value(&self) -> Option<&Value> {
        match &self.0 {
            Repr::Value(value) => Some(value),
            _ => None,
        }
    }

    /// A top-level field of an output held by field.
    pub(crate) fn field(&self, key: &str) -> Option<Field<'_>> {
        match (&self.0, key) {
            (Repr::Step { data, .. }, "data") => Some(Field::Value(data)),
            (Repr::Step { action, .. }, "action") => Some(Field::Text(action)),
            (Repr::Step { store_hash, .. }, "storeHash") => Some(Field::Text(store_hash.as_str())),
            (Repr::Step { .. }, _) => None,
            (Repr::Records { records, .. }, "data") => Some(Field::Records(records)),
            (Repr::Records { rest, .. }, key) => rest.get(key).map(Field::Value),
            (Repr::Value(value), key) => value.get(key).map(Field::Value),
        }
    }

    /// The top-level field names, in order.
    pub(crate) fn keys(&self) -> Vec<&str> {
        match &self.0 {
            Repr::Step { .. } => vec!["data", "action", "storeHash"],
            Repr::Records { rest, .. } => std::iter::once("data").chain(rest.keys().map(String::as_str)).collect(),
            Repr::Value(value) => value
                .as_object()
                .map(|map| map.keys().map(String::as_str).collect())
                .unwrap_or_default(),
        }
    }

    /// A field of the envelope (`data`, `action`, `storeHash`, `meta`). `data` of a
    /// "return all" is materialised for the caller; prefer [`Self::data_len`] and
    /// [`Self::record`] for large lists.
    pub fn get(&self, key: &str) -> Option<Cow<'_, Value>> {
        match self.field(key)? {
            Field::Value(value) => Some(Cow::Borrowed(value)),
            Field::Text(text) => Some(Cow::Owned(Value::from(text))),
            Field::Records(records) => Some(Cow::Owned(parse_all(records))),
        }
    }

    /// The `meta` of a "return all": pages, items, requests, retries, time waited, bytes.
    pub fn meta(&self) -> Option<&Value> {
        match self.field("meta")? {
            Field::Value(value) => Some(value),
            _ => None,
        }
    }

    /// How many items `data` holds, when it is a list.
    pub fn data_len(&self) -> Option<usize> {
        match self.field("data")? {
            Field::Value(value) => value.as_array().map(Vec::len),
            Field::Records(records) => Some(records.len()),
            Field::Text(_) => None,
        }
    }

    /// Item `index` of `data`, when it is a list.
    pub fn record(&self, index: usize) -> Option<Value> {
        match self.field("data")? {
            Field::Value(value) => value.as_array()?.get(index).cloned(),
            Field::Records(records) => parse_record(records.get(index)?).ok(),
            Field::Text(_) => None,
        }
    }

    /// The whole envelope as one value (parses every record of a "return all").
    pub fn to_value(&self) -> Value {
        match &self.0 {
            Repr::Value(value) => value.clone(),
            _ => self.clone().into_value(),
        }
    }

    /// The whole envelope as one value.
    pub fn into_value(self) -> Value {
        match self.0 {
            Repr::Value(value) => value,
            Repr::Step {
                data,
                action,
                store_hash,
            } => {
                let mut envelope = Map::with_capacity(3);
                envelope.insert("data".into(), data);
                envelope.insert("action".into(), Value::from(action));
                envelope.insert("storeHash".into(), Value::from(store_hash.as_str()));
                Value::Object(envelope)
            }
            Repr::Records { records, rest } => {
                let mut envelope = Map::with_capacity(rest.len() + 1);
                envelope.insert("data".into(), parse_all(&records));
                envelope.extend(rest);
                Value::Object(envelope)
            }
        }
    }
}

impl From<Value> for Output {
    fn from(value: Value) -> Self {
        Self::from_value(value)
    }
}

/// Serialises as the envelope, parsing one record at a time.
impl Serialize for Output {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Value(value) => value.serialize(serializer),
            Repr::Step {
                data,
                action,
                store_hash,
            } => {
                let mut map = serializer.serialize_map(Some(3))?;
                map.serialize_entry("data", data)?;
                map.serialize_entry("action", action)?;
                map.serialize_entry("storeHash", store_hash.as_str())?;
                map.end()
            }
            Repr::Records { records, rest } => {
                let mut map = serializer.serialize_map(Some(rest.len() + 1))?;
                map.serialize_entry("data", &RecordList(records))?;
                for (key, value) in rest {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
    }
}

struct RecordList<'a>(&'a [Box<RawValue>]);

impl Serialize for RecordList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for record in self.0 {
            seq.serialize_element(&parse_record(record).map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

/// The outputs of earlier steps, by step name, in the order the steps ran.
#[derive(Clone, Debug, Default)]
pub struct StepOutputs {
    steps: Vec<(String, Output)>,
}

impl StepOutputs {
    /// No outputs yet (the first step).
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a step's output, replacing an earlier one of the same name.
    pub fn insert(&mut self, name: impl Into<String>, output: impl Into<Output>) {
        let (name, output) = (name.into(), output.into());
        match self.steps.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = output,
            None => self.steps.push((name, output)),
        }
    }

    /// The output of the step called `name`.
    pub fn get(&self, name: &str) -> Option<&Output> {
        self.steps.iter().find(|(n, _)| n == name).map(|(_, output)| output)
    }

    /// The step names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().map(|(name, _)| name.as_str())
    }

    /// How many steps have output.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether no step has output yet.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Every output, as one object of step name → envelope (parses every record).
    pub fn to_value(&self) -> Value {
        Value::Object(
            self.steps
                .iter()
                .map(|(name, output)| (name.clone(), output.to_value()))
                .collect(),
        )
    }
}

/// Outputs given as JSON, such as `run --context FILE`: `{"getOrder": {"data": …}}`.
impl From<Map<String, Value>> for StepOutputs {
    fn from(map: Map<String, Value>) -> Self {
        Self {
            steps: map
                .into_iter()
                .map(|(name, value)| (name, Output::from_value(value)))
                .collect(),
        }
    }
}

impl Serialize for StepOutputs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.steps.len()))?;
        for (name, output) in &self.steps {
            map.serialize_entry(name, output)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn records(texts: &[&str]) -> Vec<Box<RawValue>> {
        texts
            .iter()
            .map(|t| RawValue::from_string((*t).to_owned()).unwrap())
            .collect()
    }

    fn listed() -> Output {
        let mut rest = Map::new();
        rest.insert("action".into(), json!("get_products"));
        rest.insert("storeHash".into(), json!("abc"));
        rest.insert("meta".into(), json!({"pages": 1}));
        Output::from_records(records(&[r#"{"id":1,"name":"A"}"#, r#"{"id":2,"name":"B"}"#]), rest)
    }

    #[test]
    fn records_serialise_as_the_envelope_they_stand_for() {
        let expected = json!({"data": [{"id": 1, "name": "A"}, {"id": 2, "name": "B"}], "action": "get_products", "storeHash": "abc", "meta": {"pages": 1}});
        let output = listed();
        assert_eq!(serde_json::to_value(&output).unwrap(), expected);
        assert_eq!(output.to_value(), expected);
        // Key order too: data first, as for every other step.
        assert_eq!(
            serde_json::to_string(&output).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
        assert_eq!(output.into_value(), expected);
    }

    #[test]
    fn records_are_read_one_at_a_time() {
        let output = listed();
        assert_eq!(output.data_len(), Some(2));
        assert_eq!(output.record(1), Some(json!({"id": 2, "name": "B"})));
        assert_eq!(output.record(2), None);
        assert_eq!(output.meta(), Some(&json!({"pages": 1})));
        assert_eq!(output.get("action").as_deref(), Some(&json!("get_products")));
        assert_eq!(output.get("data").unwrap().as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn a_single_request_serialises_as_its_envelope() {
        let output = Output::step(json!({"id": 7}), "get_order", StoreHash::new("abc").unwrap());
        let expected = json!({"data": {"id": 7}, "action": "get_order", "storeHash": "abc"});
        assert_eq!(serde_json::to_string(&output).unwrap(), expected.to_string());
        assert_eq!(output.to_value(), expected);
        assert_eq!(output.get("storeHash").as_deref(), Some(&json!("abc")));
        assert_eq!(output.keys(), ["data", "action", "storeHash"]);
        assert_eq!(output.meta(), None);
        assert_eq!(output.into_value(), expected);
    }

    #[test]
    fn step_outputs_keep_order_and_replace_by_name() {
        let mut outputs = StepOutputs::new();
        outputs.insert("b", json!({"data": 1}));
        outputs.insert("a", listed());
        outputs.insert("b", json!({"data": 2}));
        assert_eq!(outputs.names().collect::<Vec<_>>(), ["b", "a"]);
        assert_eq!(outputs.len(), 2);
        assert_eq!(outputs.to_value()["b"], json!({"data": 2}));
        assert_eq!(serde_json::to_value(&outputs).unwrap()["a"]["data"][0]["id"], json!(1));
    }
}
