//! Workflow files: steps run in order, each able to use earlier steps' outputs.
//!
//! ```yaml
//! name: Ship orders awaiting fulfillment
//! defaults:                      # optional, for every step that does not say otherwise
//!   storeHash: abc123xyz
//!   credential: Client Store     # or tokenEnv: BC_TOKEN
//! steps:
//!   - name: awaiting
//!     action: get_orders
//!     params:
//!       status_id: 11
//!   - name: ship
//!     action: update_order
//!     params:
//!       orderId: "{{awaiting.data.[0].id}}"
//!       status_id: 2
//! ```
//!
//! [`Workflow::parse`] rejects, before anything is sent and with the line: YAML errors,
//! unknown keys, invalid or duplicate step names, unknown actions and parameters, steps
//! without a store hash or credential, and references to unknown or later steps.

use secrecy::SecretString;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::params::Templates;
use crate::{CredentialSource, CredentialStore, ExecError, Executor, Output, Step, StepOutputs};

/// A workflow file that passed every check that needs no network.
#[derive(Debug, Clone)]
pub struct Workflow {
    /// Its name, if the file gives one.
    pub name: Option<String>,
    /// The steps, in order.
    pub steps: Vec<WorkflowStep>,
}

/// One step of a workflow file.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkflowStep {
    /// The step name later steps reference.
    pub name: String,
    /// The action id.
    pub action: String,
    /// The store hash (or the workflow's default).
    #[serde(default)]
    pub store_hash: Option<String>,
    /// A credential name from the vault (or the workflow's default).
    #[serde(default)]
    pub credential: Option<String>,
    /// An environment variable holding the token instead.
    #[serde(default)]
    pub token_env: Option<String>,
    /// Parameter values, with `{{…}}` references to earlier steps.
    #[serde(default)]
    pub params: Map<String, Value>,
    /// The line the step starts on, for messages.
    #[serde(skip)]
    pub line: usize,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Defaults {
    #[serde(default)]
    store_hash: Option<String>,
    #[serde(default)]
    credential: Option<String>,
    #[serde(default)]
    token_env: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    defaults: Defaults,
    steps: Vec<WorkflowStep>,
}

/// Why a workflow file was rejected: the line (when known) and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowError {
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub reason: String,
}

impl std::fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for WorkflowError {}

fn at(line: usize, reason: String) -> WorkflowError {
    WorkflowError {
        line: Some(line),
        reason,
    }
}

/// How a workflow run gets its store and tokens.
#[derive(Clone)]
pub enum Target {
    /// As the file says: store hashes, credentials from the vault, `tokenEnv` variables.
    AsWritten,
    /// Every step goes to one store with one token (the local sandbox).
    Override {
        /// The store hash every step uses.
        store_hash: String,
        /// The token every step uses.
        token: SecretString,
    },
}

/// A step that failed while running.
#[derive(Debug)]
pub struct StepFailure {
    /// The step's name.
    pub step: String,
    /// The step's action.
    pub action: String,
    /// 0-based position.
    pub index: usize,
    /// What went wrong.
    pub error: Box<ExecError>,
}

impl StepFailure {
    fn new(index: usize, step: &WorkflowStep, error: ExecError) -> Self {
        Self {
            step: step.name.clone(),
            action: step.action.clone(),
            index,
            error: Box::new(error),
        }
    }
}

impl Workflow {
    /// Parses and checks a workflow file (YAML, or JSON, which is YAML too).
    pub fn parse(text: &str) -> Result<Self, WorkflowError> {
        let file: File = serde_norway::from_str(text).map_err(|e| WorkflowError {
            line: e.location().map(|l| l.line()),
            reason: format!("{e}"),
        })?;
        if file.steps.is_empty() {
            return Err(WorkflowError {
                line: None,
                reason: "the workflow has no steps; add a list under `steps:`".into(),
            });
        }
        let _ = file.description;
        let lines = step_lines(text, file.steps.len());
        let mut steps = file.steps;
        for (step, line) in steps.iter_mut().zip(lines) {
            step.line = line;
            step.store_hash = step.store_hash.take().or_else(|| file.defaults.store_hash.clone());
            if step.credential.is_none() && step.token_env.is_none() {
                step.credential = file.defaults.credential.clone();
                step.token_env = file.defaults.token_env.clone();
            }
        }
        let workflow = Self { name: file.name, steps };
        workflow.check(text)?;
        Ok(workflow)
    }

    fn check(&self, text: &str) -> Result<(), WorkflowError> {
        let all_lines: Vec<&str> = text.lines().collect();
        for (index, step) in self.steps.iter().enumerate() {
            if !syncaut_actions::schema::is_valid_step_name(&step.name) {
                return Err(at(step.line, ExecError::InvalidStepName(step.name.clone()).to_string()));
            }
            if let Some(first) = self.steps[..index].iter().find(|s| s.name == step.name) {
                return Err(at(
                    step.line,
                    format!(
                        "step name `{}` is already used by the step on line {}; step names must be unique",
                        step.name, first.line
                    ),
                ));
            }
            let Some(action) = syncaut_actions::find(&step.action) else {
                let suggestions = syncaut_actions::nearest_ids(&step.action, 3);
                return Err(at(
                    step.line,
                    format!(
                        "unknown action `{}`; did you mean {}?",
                        step.action,
                        suggestions.join(", ")
                    ),
                ));
            };
            for key in step.params.keys() {
                if action.param(key).is_none() {
                    let known: Vec<&str> = action.params.iter().map(|p| p.key).collect();
                    let line = self.line_of(step, key, &all_lines);
                    return Err(at(
                        line,
                        format!(
                            "unknown parameter `{key}` for {}; its parameters are: {}",
                            action.id,
                            known.join(", ")
                        ),
                    ));
                }
            }
            for (key, value) in &step.params {
                if let Some(text) = value.as_str().filter(|t| t.contains("{{"))
                    && let Err(reason) = crate::template::check_syntax(text)
                {
                    let line = self.line_of(step, "{{", &all_lines);
                    return Err(at(
                        line,
                        format!("`{key}` has a template that does not parse: {reason}"),
                    ));
                }
                for referenced in referenced_steps(value) {
                    let line = self.line_of(step, &format!("{{{{{referenced}"), &all_lines);
                    let later = self.steps[index..].iter().find(|s| s.name == referenced);
                    let earlier = self.steps[..index].iter().any(|s| s.name == referenced);
                    if earlier {
                        continue;
                    }
                    let reason = match later {
                        Some(later) if later.name == step.name => format!(
                            "`{key}` refers to `{referenced}`, the step itself; a step can only use earlier steps' outputs"
                        ),
                        Some(later) => format!(
                            "`{key}` refers to step `{referenced}`, which runs later (line {}); a step can only use earlier steps' outputs",
                            later.line
                        ),
                        None => {
                            let known: Vec<&str> = self.steps[..index].iter().map(|s| s.name.as_str()).collect();
                            format!(
                                "`{key}` refers to `{referenced}`, which is not a step of this workflow; earlier steps: {}",
                                if known.is_empty() {
                                    "(none)".to_owned()
                                } else {
                                    known.join(", ")
                                }
                            )
                        }
                    };
                    return Err(at(line, reason));
                }
            }
        }
        Ok(())
    }

    /// The line of `needle` within a step's lines, or the step's first line.
    fn line_of(&self, step: &WorkflowStep, needle: &str, lines: &[&str]) -> usize {
        let end = self
            .steps
            .iter()
            .map(|s| s.line)
            .filter(|l| *l > step.line)
            .min()
            .unwrap_or(lines.len() + 1);
        (step.line..end)
            .find(|l| lines.get(l - 1).is_some_and(|text| text.contains(needle)))
            .unwrap_or(step.line)
    }

    /// Steps that would run without a store hash or a token source, given the target.
    pub fn check_target(&self, target: &Target) -> Result<(), WorkflowError> {
        if matches!(target, Target::Override { .. }) {
            return Ok(());
        }
        for step in &self.steps {
            if step.store_hash.is_none() {
                return Err(at(
                    step.line,
                    format!(
                        "step `{}` has no storeHash: add `storeHash: …` to it or to `defaults:`",
                        step.name
                    ),
                ));
            }
            if step.credential.is_none() && step.token_env.is_none() {
                return Err(at(
                    step.line,
                    format!(
                        "step `{}` has no credential: add `credential: NAME` or `tokenEnv: VAR` to it or to `defaults:` (or run with --sandbox)",
                        step.name
                    ),
                ));
            }
        }
        Ok(())
    }

    fn step(&self, index: usize, target: &Target) -> Result<Step, ExecError> {
        let written = &self.steps[index];
        let (store_hash, credential) = match target {
            Target::Override { store_hash, token } => (store_hash.clone(), CredentialSource::Token(token.clone())),
            Target::AsWritten => {
                let credential = match (&written.token_env, &written.credential) {
                    (Some(var), _) => CredentialSource::Token(token_from_env(var)?),
                    (None, Some(name)) => CredentialSource::Named(name.clone()),
                    (None, None) => {
                        return Err(ExecError::CredentialUnavailable {
                            name: written.name.clone(),
                            reason: "the step has no credential: add `credential: NAME` or `tokenEnv: VAR` to it or to `defaults:`".into(),
                        });
                    }
                };
                (written.store_hash.clone().unwrap_or_default(), credential)
            }
        };
        Ok(Step {
            name: written.name.clone(),
            action: written.action.clone(),
            store_hash,
            credential,
            params: written.params.clone(),
        })
    }

    /// Runs every step in order, calling `on_output` after each; stops at the first failure.
    pub async fn run(
        &self,
        executor: &Executor,
        credentials: &dyn CredentialStore,
        target: &Target,
        mut on_output: impl FnMut(usize, &WorkflowStep, &Output),
    ) -> Result<StepOutputs, StepFailure> {
        let mut outputs = StepOutputs::new();
        for (index, written) in self.steps.iter().enumerate() {
            let failure = |error| StepFailure::new(index, written, error);
            let step = self.step(index, target).map_err(failure)?;
            let output = executor.execute(&step, &outputs, credentials).await.map_err(failure)?;
            on_output(index, written, &output);
            outputs.insert(written.name.clone(), output);
        }
        Ok(outputs)
    }

    /// The request each step would send, with references to earlier steps left as
    /// written (they are filled in when the workflow runs). Sends nothing.
    pub fn dry_run(&self, executor: &Executor, target: &Target) -> Result<Vec<Value>, StepFailure> {
        let mut requests = Vec::new();
        for (index, written) in self.steps.iter().enumerate() {
            let failure = |error| StepFailure::new(index, written, error);
            // A dry run sends nothing, so it needs no token: describe the step as if it
            // had one, with the store hash the file names.
            let written_target = match target {
                Target::AsWritten => Target::Override {
                    store_hash: written.store_hash.clone().unwrap_or_default(),
                    token: SecretString::from(String::new()),
                },
                other => other.clone(),
            };
            let step = self.step(index, &written_target).map_err(failure)?;
            let prepared = executor
                .prepare_with(&step, &StepOutputs::new(), Templates::Defer)
                .map_err(failure)?;
            let base = executor.api_base(&prepared.store_hash, prepared.action.api_version);
            requests.push(prepared.request.describe(&base));
        }
        Ok(requests)
    }
}

fn token_from_env(var: &str) -> Result<SecretString, ExecError> {
    match std::env::var(var) {
        Ok(token) if !token.trim().is_empty() => Ok(SecretString::from(token.trim().to_owned())),
        _ => Err(ExecError::CredentialUnavailable {
            name: format!("${var}"),
            reason: format!("the environment variable {var} is not set; export it with the store's API token"),
        }),
    }
}

/// The step names a value's `{{…}}` expressions start with. Inside a block
/// (`{{#each x.data}}…{{/each}}`) paths are relative to the block, so only the block's
/// own argument counts.
fn referenced_steps(value: &Value) -> Vec<String> {
    let Some(text) = value.as_str() else { return Vec::new() };
    let mut names = Vec::new();
    let mut depth = 0usize;
    for expression in text.split("{{").skip(1).filter_map(|rest| rest.split("}}").next()) {
        let expression = expression.trim_start_matches('{').trim();
        let opens = expression.starts_with('#');
        if expression.starts_with('/') {
            depth = depth.saturating_sub(1);
            continue;
        }
        if expression.starts_with(['^', '!', '>', '@']) || expression.starts_with("else") || (depth > 0 && !opens) {
            continue;
        }
        // `{{path}}`, or a helper with arguments: `{{lookup b.data 0}}`, `{{#each list.data}}`.
        let words: Vec<&str> = expression.trim_start_matches('#').split_whitespace().collect();
        // A block (`#each x`) or a helper with arguments: only the arguments are paths.
        let arguments = if opens || words.len() > 1 {
            words.get(1..).unwrap_or_default()
        } else {
            &words[..]
        };
        for word in arguments {
            let first: String = word
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let is_path = word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_');
            if depth == 0 && is_path && first != "this" && !names.contains(&first) {
                names.push(first);
            }
        }
        if opens {
            depth += 1;
        }
    }
    names
}

/// The 1-based line each step starts on: the `- ` items of the `steps:` list. Falls back
/// to the line of `steps` when the file is not in block style (JSON, flow YAML).
fn step_lines(text: &str, count: usize) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let steps_line = lines.iter().position(|l| {
        let t = l.trim_start();
        t.starts_with("steps:") || t.starts_with("\"steps\"")
    });
    let Some(start) = steps_line else { return vec![1; count] };
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
    if found.len() == count {
        found
    } else {
        vec![start + 1; count]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        Workflow::parse(text).unwrap_err().to_string()
    }

    const GOOD: &str = "name: Ship\ndefaults:\n  storeHash: abc123xyz\n  credential: shop\nsteps:\n  - name: awaiting\n    action: get_orders\n    params:\n      status_id: 11\n  - name: ship\n    action: update_order\n    params:\n      orderId: \"{{awaiting.data.[0].id}}\"\n      status_id: 2\n";

    #[test]
    fn a_good_file_parses_with_defaults_and_lines() {
        let workflow = Workflow::parse(GOOD).unwrap();
        assert_eq!(workflow.name.as_deref(), Some("Ship"));
        assert_eq!(workflow.steps.iter().map(|s| s.line).collect::<Vec<_>>(), [6, 10]);
        assert_eq!(workflow.steps[1].store_hash.as_deref(), Some("abc123xyz"));
        assert_eq!(workflow.steps[1].credential.as_deref(), Some("shop"));
        workflow.check_target(&Target::AsWritten).unwrap();
    }

    #[test]
    fn duplicate_step_names_are_rejected_with_both_lines() {
        let text = GOOD.replace("name: ship", "name: awaiting");
        assert_eq!(
            error(&text),
            "line 10: step name `awaiting` is already used by the step on line 6; step names must be unique"
        );
    }

    #[test]
    fn references_to_later_or_unknown_steps_are_rejected() {
        let later = "steps:\n  - name: first\n    action: get_order\n    params:\n      orderId: \"{{second.data.id}}\"\n  - name: second\n    action: get_orders\n";
        assert_eq!(
            error(later),
            "line 5: `orderId` refers to step `second`, which runs later (line 6); a step can only use earlier steps' outputs"
        );
        let unknown = GOOD.replace("{{awaiting.data", "{{waiting.data");
        assert_eq!(
            error(&unknown),
            "line 13: `orderId` refers to `waiting`, which is not a step of this workflow; earlier steps: awaiting"
        );
        let itself = "steps:\n  - name: a\n    action: get_order\n    params:\n      orderId: \"{{a.data.id}}\"\n";
        assert!(error(itself).contains("the step itself"));
    }

    #[test]
    fn unknown_actions_and_parameters_are_rejected() {
        assert_eq!(
            error(&GOOD.replace("action: update_order", "action: update_ordr")),
            "line 10: unknown action `update_ordr`; did you mean update_order, delete_order, update_product?"
        );
        assert_eq!(
            error(&GOOD.replace("status_id: 2", "status: 2")),
            "line 14: unknown parameter `status` for update_order; its parameters are: orderId, status_id"
        );
    }

    #[test]
    fn yaml_errors_and_unknown_keys_carry_the_line() {
        assert!(
            error("steps:\n  - name: a\n    action: [\n").starts_with("line "),
            "{}",
            error("steps:\n  - name: a\n    action: [\n")
        );
        assert!(
            error(&GOOD.replace("    action: get_orders", "    action: get_orders\n    stepName: x"))
                .contains("unknown field `stepName`")
        );
        assert_eq!(
            error("steps: []\n"),
            "the workflow has no steps; add a list under `steps:`"
        );
        assert!(
            error("steps:\n  - name: get orders\n    action: get_orders\n")
                .starts_with("line 2: step name `get orders` is not valid")
        );
    }

    #[test]
    fn steps_without_store_or_credential_are_rejected_unless_overridden() {
        let bare = "steps:\n  - name: a\n    action: get_orders\n";
        let workflow = Workflow::parse(bare).unwrap();
        assert_eq!(
            workflow.check_target(&Target::AsWritten).unwrap_err().to_string(),
            "line 2: step `a` has no storeHash: add `storeHash: …` to it or to `defaults:`"
        );
        let target = Target::Override {
            store_hash: "abc".into(),
            token: SecretString::from("t"),
        };
        workflow.check_target(&target).unwrap();
    }

    #[test]
    fn a_template_that_does_not_parse_is_rejected_with_its_line() {
        let text = "steps:\n  - name: a\n    action: get_orders\n  - name: b\n    action: get_order\n    params:\n      orderId: \"{{#each a.data}}\"\n";
        let message = error(text);
        assert!(
            message.starts_with("line 7: `orderId` has a template that does not parse: "),
            "{message}"
        );
        assert!(!message.contains('\n'), "{message}");
    }

    #[test]
    fn a_dry_run_needs_no_token() {
        let text = "defaults:\n  storeHash: abc123\n  tokenEnv: SYNCAUT_TEST_UNSET_TOKEN_VAR\nsteps:\n  - name: a\n    action: get_order\n    params:\n      orderId: 5\n";
        let workflow = Workflow::parse(text).unwrap();
        let executor = Executor::new(&bigcommerce_api::TransportConfig::new("http://127.0.0.1:9").unwrap()).unwrap();
        let requests = workflow.dry_run(&executor, &Target::AsWritten).unwrap();
        assert_eq!(requests[0]["url"], "http://127.0.0.1:9/stores/abc123/v2/orders/5");
        assert_eq!(requests[0]["headers"]["X-Auth-Token"], "[redacted]");
    }

    #[test]
    fn referenced_steps_skip_helpers_and_blocks() {
        let value = Value::from("{{#each list.data}}{{id}}{{/each}} {{a.data.x}} {{lookup b.data 0}}");
        assert_eq!(referenced_steps(&value), ["list", "a", "b"]);
        assert!(referenced_steps(&Value::from("{{#each}}{{/each}}")).is_empty());
    }
}
