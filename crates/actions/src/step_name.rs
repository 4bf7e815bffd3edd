//! The step name: how later steps reference a step's output (`{{getOrders.data}}`).
//!
//! The rule is the product docs' ("must start with a letter or underscore, no spaces"),
//! plus what a `{{…}}` reference can hold: a character that Handlebars reads as something
//! else (a dot separates fields, brackets and quotes delimit segments …) is refused with
//! that reason. This is the only place the rule is written; the form's `pattern`
//! ([`StepName::PATTERN`]) says the same and a test holds them together.

use std::fmt;
use std::sync::Arc;

/// A step name that passed [`StepName::new`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StepName(Arc<str>);

/// Why a step name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepNameError {
    /// The name as given (shortened, control characters shown as `?`).
    pub name: String,
    /// Which part of the rule it breaks.
    pub reason: String,
}

impl fmt::Display for StepNameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "step name `{}` is not valid: {}. {}",
            self.name,
            self.reason,
            StepName::RULE
        )
    }
}

impl std::error::Error for StepNameError {}

/// Characters Handlebars reads as syntax inside a reference.
const SYNTAX: &[char] = &[
    '!', '"', '#', '%', '&', '\'', '(', ')', '*', '+', ',', '.', '/', ';', '<', '=', '>', '@', '[', '\\', ']', '^',
    '`', '{', '|', '}', '~',
];

/// Words a template reads as something other than a step.
const RESERVED: &[&str] = &["true", "false", "null", "this", "else", "as", "undefined"];

impl StepName {
    /// The longest step name.
    pub const MAX_LEN: usize = 100;

    /// The rule, as messages state it.
    pub const RULE: &'static str = "A step name must start with a letter or underscore and have no spaces (letters, digits, _, -, $ and : are fine; at most 100 characters), e.g. getOrders";

    /// The same rule as a JSON Schema (ECMAScript, Unicode) pattern, for forms.
    pub const PATTERN: &'static str =
        r##"^(?!(?:true|false|null|this|else|as|undefined)$)[\p{L}_][^\s\p{Cc}!"#%&'()*+,./;<=>@\[\\\]^`{|}~]*$"##;

    /// Checks a step name against the rule.
    pub fn new(name: &str) -> Result<Self, StepNameError> {
        let refuse = |reason: String| {
            Err(StepNameError {
                name: name
                    .chars()
                    .take(Self::MAX_LEN)
                    .map(|c| if c.is_control() { '?' } else { c })
                    .collect(),
                reason,
            })
        };
        let Some(first) = name.chars().next() else {
            return refuse("it is empty".into());
        };
        if name.chars().count() > Self::MAX_LEN {
            return refuse(format!("it is longer than {} characters", Self::MAX_LEN));
        }
        if let Some(c) = name.chars().find(|c| c.is_whitespace() || c.is_control()) {
            let what = if c == ' ' {
                "a space".to_owned()
            } else {
                format!("the character U+{:04X}", u32::from(c))
            };
            return refuse(format!("it contains {what}"));
        }
        if name.contains('.') {
            return refuse(format!(
                "it contains `.`, which separates the fields of a reference: {{{{{name}.data}}}} would read a step called `{}`",
                name.split('.').next().unwrap_or_default()
            ));
        }
        if let Some(c) = name.chars().find(|c| SYNTAX.contains(c)) {
            return refuse(format!("it contains `{c}`, which a {{{{…}}}} reference cannot hold"));
        }
        if !(first.is_alphabetic() || first == '_') {
            return refuse("it must start with a letter or an underscore".into());
        }
        if RESERVED.contains(&name) {
            return refuse(format!("`{name}` is a word templates reserve"));
        }
        Ok(Self(name.into()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for StepName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for StepName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StepName({})", self.0)
    }
}

impl std::ops::Deref for StepName {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for StepName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_rule_and_what_a_reference_can_hold() {
        for good in [
            "getOrders",
            "_tmp",
            "step_2",
            "A",
            "get-orders",
            "bestellungÄ",
            "a$b",
            "x:y",
            "trueish",
        ] {
            assert!(StepName::new(good).is_ok(), "{good}");
        }
        for (bad, reason) in [
            ("", "it is empty"),
            ("2step", "must start with a letter or an underscore"),
            ("-x", "must start with a letter"),
            ("get orders", "contains a space"),
            ("get\torders", "U+0009"),
            ("get\u{a0}orders", "U+00A0"),
            (
                "get.order",
                "separates the fields of a reference: {{get.order.data}} would read a step called `get`",
            ),
            ("a[0]", "contains `[`"),
            ("a/b", "contains `/`"),
            ("this", "reserve"),
            ("true", "reserve"),
        ] {
            let err = StepName::new(bad).unwrap_err().to_string();
            assert!(err.contains(reason), "{bad}: {err}");
            assert!(err.ends_with("e.g. getOrders"), "{err}");
        }
        let long = "a".repeat(101);
        assert!(
            StepName::new(&long)
                .unwrap_err()
                .to_string()
                .contains("longer than 100")
        );
        assert!(StepName::new(&"a".repeat(100)).is_ok());
    }
}
