//! What a step outputs, and the outputs of earlier steps that templates read.
//!
//! A step outputs exactly `{"data": …, "action": "<id>", "storeHash": "<hash>"}`, as the
//! product docs show: [`Output`] is the one place that envelope is made. The records of a
//! "return all" are kept as the JSON text BigCommerce sent, one slice per record, instead
//! of a tree of `serde_json::Value`s: ten thousand products are 14 MiB of JSON but well
//! over 200 MiB as values. Each record is checked when it arrives ([`check_record`]), so
//! reading it later cannot fail; it is parsed only when something reads into it
//! (`{{getProducts.data.[3].id}}` parses record 3, and printing parses one record at a
//! time).

use std::borrow::Cow;
use std::sync::Arc;

use bigcommerce_api::StoreHash;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

pub use syncaut_actions::output::ENVELOPE_KEYS;

/// One step's output envelope. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Output(Repr);

#[derive(Clone, Debug)]
enum Repr {
    /// A step's own output, held by field.
    Step {
        data: Data,
        action: &'static str,
        store_hash: StoreHash,
    },
    /// An envelope given as JSON (`run --context`, a stored checkpoint).
    Value(Value),
}

/// The `data` of a step.
#[derive(Clone, Debug)]
pub(crate) enum Data {
    Value(Value),
    /// A "return all": one checked JSON text per record.
    Records(Arc<[Box<RawValue>]>),
}

/// One top-level field of an output, read without materialising records.
pub(crate) enum Field<'a> {
    Value(&'a Value),
    Text(&'a str),
    Records(&'a [Box<RawValue>]),
}

/// Checks that a record's JSON text is something [`parse_record`] will read: valid JSON
/// whose numbers are in range, parsed without building anything.
pub(crate) fn check_record(record: &RawValue) -> Result<(), serde_json::Error> {
    serde_json::from_str::<Checked>(record.get()).map(|_| ())
}

/// Parses one record, checked when it was received.
pub(crate) fn parse_record(record: &RawValue) -> Result<Value, serde_json::Error> {
    serde_json::from_str(record.get())
}

fn parse_all(records: &[Box<RawValue>]) -> Result<Value, serde_json::Error> {
    records
        .iter()
        .map(|r| parse_record(r))
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

impl Output {
    /// An output held as a value.
    pub fn from_value(value: Value) -> Self {
        Self(Repr::Value(value))
    }

    /// A single request's output.
    pub(crate) fn step(data: Value, action: &'static str, store_hash: StoreHash) -> Self {
        Self(Repr::Step {
            data: Data::Value(data),
            action,
            store_hash,
        })
    }

    /// A "return all" of checked records.
    pub(crate) fn records(records: Vec<Box<RawValue>>, action: &'static str, store_hash: StoreHash) -> Self {
        Self(Repr::Step {
            data: Data::Records(records.into()),
            action,
            store_hash,
        })
    }

    /// The `data` of the output as a value (records parsed; checked when they arrived).
    pub fn into_data(self) -> Value {
        let [data_key, ..] = ENVELOPE_KEYS;
        match self.0 {
            Repr::Step {
                data: Data::Value(value),
                ..
            } => value,
            Repr::Step {
                data: Data::Records(records),
                ..
            } => parse_all(&records).unwrap_or_default(),
            Repr::Value(mut value) => value.get_mut(data_key).map(Value::take).unwrap_or(value),
        }
    }

    /// The whole output, when it is held as one value.
    pub(crate) fn as_value(&self) -> Option<&Value> {
        match &self.0 {
            Repr::Value(value) => Some(value),
            Repr::Step { .. } => None,
        }
    }

    /// A top-level field of an output held by field.
    pub(crate) fn field(&self, key: &str) -> Option<Field<'_>> {
        let [data_key, action_key, store_hash_key] = ENVELOPE_KEYS;
        match &self.0 {
            Repr::Step { data, .. } if key == data_key => Some(match data {
                Data::Value(v) => Field::Value(v),
                Data::Records(r) => Field::Records(r),
            }),
            Repr::Step { action, .. } if key == action_key => Some(Field::Text(action)),
            Repr::Step { store_hash, .. } if key == store_hash_key => Some(Field::Text(store_hash.as_str())),
            Repr::Step { .. } => None,
            Repr::Value(value) => value.get(key).map(Field::Value),
        }
    }

    /// The top-level field names, in order.
    pub(crate) fn keys(&self) -> Vec<&str> {
        match &self.0 {
            Repr::Step { .. } => ENVELOPE_KEYS.to_vec(),
            Repr::Value(value) => value
                .as_object()
                .map(|map| map.keys().map(String::as_str).collect())
                .unwrap_or_default(),
        }
    }

    /// A field of the envelope (`data`, `action`, `storeHash`). `data` of a "return all"
    /// is materialised for the caller; prefer [`Self::data_len`] and [`Self::record`] for
    /// large lists.
    pub fn get(&self, key: &str) -> Option<Cow<'_, Value>> {
        match self.field(key)? {
            Field::Value(value) => Some(Cow::Borrowed(value)),
            Field::Text(text) => Some(Cow::Owned(Value::from(text))),
            Field::Records(records) => parse_all(records).ok().map(Cow::Owned),
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
            // Serialising an envelope of checked records cannot fail.
            Repr::Step { .. } => serde_json::to_value(self).unwrap_or(Value::Null),
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
                let mut map = serializer.serialize_map(Some(ENVELOPE_KEYS.len()))?;
                match data {
                    Data::Value(value) => map.serialize_entry(ENVELOPE_KEYS[0], value)?,
                    Data::Records(records) => map.serialize_entry(ENVELOPE_KEYS[0], &RecordList(records))?,
                }
                map.serialize_entry(ENVELOPE_KEYS[1], action)?;
                map.serialize_entry(ENVELOPE_KEYS[2], store_hash.as_str())?;
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

/// Any JSON value, parsed as `Value` would parse it (numbers in range, strings with valid
/// escapes), keeping nothing.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_key::<std::borrow::Cow<'de, str>>()?.is_some() {
            map.next_value::<Checked>()?;
        }
        Ok(Checked)
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
        Output::records(
            records(&[r#"{"id":1,"name":"A"}"#, r#"{"id":2,"name":"B"}"#]),
            "get_products",
            StoreHash::new("abc").unwrap(),
        )
    }

    #[test]
    fn records_serialise_as_exactly_the_envelope_of_the_docs() {
        let expected = json!({"data": [{"id": 1, "name": "A"}, {"id": 2, "name": "B"}], "action": "get_products", "storeHash": "abc"});
        let output = listed();
        assert_eq!(serde_json::to_value(&output).unwrap(), expected);
        assert_eq!(output.to_value(), expected);
        assert_eq!(
            serde_json::to_string(&output).unwrap(),
            serde_json::to_string(&expected).unwrap(),
            "key order too"
        );
    }

    #[test]
    fn records_are_read_one_at_a_time() {
        let output = listed();
        assert_eq!(output.data_len(), Some(2));
        assert_eq!(output.record(1), Some(json!({"id": 2, "name": "B"})));
        assert_eq!(output.record(2), None);
        assert_eq!(output.get("action").as_deref(), Some(&json!("get_products")));
        assert_eq!(output.get("data").unwrap().as_array().map(Vec::len), Some(2));
        assert_eq!(output.keys(), ENVELOPE_KEYS);
    }

    #[test]
    fn a_single_request_serialises_as_its_envelope() {
        let output = Output::step(json!({"id": 7}), "get_order", StoreHash::new("abc").unwrap());
        let expected = json!({"data": {"id": 7}, "action": "get_order", "storeHash": "abc"});
        assert_eq!(serde_json::to_string(&output).unwrap(), expected.to_string());
        assert_eq!(output.to_value(), expected);
        assert_eq!(output.get("storeHash").as_deref(), Some(&json!("abc")));
    }

    #[test]
    fn records_that_could_not_be_read_back_are_refused_on_receipt() {
        for good in [r#"{"a":[1,2.5,"x\u00e9"]}"#, "1e300", r#""\ud83d\ude00""#] {
            check_record(&RawValue::from_string(good.into()).unwrap()).unwrap();
        }
        for bad in ["1e400", r#"{"a":-1e999}"#, r#""\ud800""#] {
            let raw = RawValue::from_string(bad.into()).unwrap();
            assert!(check_record(&raw).is_err(), "{bad}");
            assert!(parse_record(&raw).is_err(), "{bad} would fail when read");
        }
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
