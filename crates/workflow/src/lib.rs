//! Workflows: steps run in order, each able to use earlier steps' outputs.
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
//! [`Plan::parse`] reads a file ([`file`]) and checks, with the line and before anything is
//! sent, everything that needs no network: YAML errors, unknown and duplicate keys,
//! step names (unique, and by the docs' rule), actions, store hashes, parameters (literal
//! values coerced and checked, templates parsed) and references to unknown or later
//! steps. A [`Plan`] can be run ([`Plan::run`]) or previewed ([`Plan::preview`], the
//! requests with templates as written, which cannot be sent).

pub mod file;
pub mod trigger;

use bigcommerce_api::{StatsSnapshot, StoreHash, TransportConfig};
use secrecy::SecretString;
use syncaut_actions::StepName;
use syncaut_executor::{
    CredentialSource, CredentialStore, ExecError, Executor, Output, Params, RequestPreview, Step, StepOutputs,
};

pub use crate::file::WorkflowError;
use crate::file::{Lines, at};
pub use crate::trigger::{Mode, PlannedTrigger};

/// Where a step's token comes from, as the file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialRef {
    /// A credential saved in the vault.
    Named(String),
    /// An environment variable holding the token.
    Env(String),
}

/// One step of a checked workflow.
#[derive(Debug, Clone)]
pub struct PlannedStep {
    /// The line it starts on.
    pub line: usize,
    /// Its name.
    pub name: StepName,
    /// Its store (or the workflow's default), when the file gives one.
    pub store_hash: Option<StoreHash>,
    /// Its credential (or the workflow's default), when the file gives one.
    pub credential: Option<CredentialRef>,
    /// Its parameters, checked.
    pub params: Params,
    /// `forEach`: the list it runs once per item of (`{{item}}` in its parameters).
    pub for_each: Option<syncaut_executor::Template>,
}

impl PlannedStep {
    /// The action id.
    pub fn action_id(&self) -> &'static str {
        self.params.action().id
    }
}

/// A workflow file that passed every check that needs no network.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Its name, if the file gives one.
    pub name: Option<String>,
    /// What starts it, if it starts with a trigger (later steps read `{{trigger.data…}}`).
    pub trigger: Option<PlannedTrigger>,
    /// The steps, in order.
    pub steps: Vec<PlannedStep>,
}

/// Where a run sends its steps.
#[derive(Clone, Debug)]
pub enum Target {
    /// As the file says: store hashes, credentials from the vault, `tokenEnv` variables.
    AsWritten,
    /// Every step goes to one store with one token (the local sandbox).
    Override {
        /// The store every step uses.
        store_hash: StoreHash,
        /// The token every step uses.
        token: SecretString,
    },
}

/// A step that failed while running, with what the steps before it returned.
#[derive(Debug)]
pub struct RunFailure {
    /// The step's name.
    pub step: String,
    /// The step's action.
    pub action: &'static str,
    /// 0-based position.
    pub index: usize,
    /// What went wrong.
    pub error: Box<ExecError>,
    /// The outputs of the steps that succeeded before it.
    pub outputs: StepOutputs,
}

/// The prefix of every variable that configures syncaut itself: a workflow may not read a
/// token from one (it would hand a master key or a setting to BigCommerce).
pub const OWN_SETTINGS_PREFIX: &str = "SYNCAUT_";

fn check_env_name(var: &str) -> Result<(), String> {
    let valid = var.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!(
            "tokenEnv `{var}` is not an environment variable name: use letters, digits and _, such as BC_TOKEN"
        ));
    }
    if var.to_ascii_uppercase().starts_with(OWN_SETTINGS_PREFIX) {
        return Err(format!(
            "tokenEnv `{var}` names one of syncaut's own settings; put the store's token in a variable of its own, such as BC_TOKEN"
        ));
    }
    Ok(())
}

/// The token in an environment variable, or why there is none.
pub fn token_from_env(var: &str) -> Result<SecretString, ExecError> {
    let unavailable = |reason: String| ExecError::CredentialUnavailable {
        name: format!("${var}"),
        reason,
    };
    check_env_name(var).map_err(unavailable)?;
    match std::env::var(var) {
        Ok(token) if !token.trim().is_empty() => Ok(SecretString::from(token.trim().to_owned())),
        Ok(_) => Err(unavailable(format!(
            "the environment variable {var} is empty; put the store's API token in it"
        ))),
        Err(std::env::VarError::NotUnicode(_)) => Err(unavailable(format!(
            "the environment variable {var} is not valid text; put the store's API token in it"
        ))),
        Err(std::env::VarError::NotPresent) => Err(unavailable(format!(
            "the environment variable {var} is not set; export it with the store's API token"
        ))),
    }
}

impl Plan {
    /// Parses and checks a workflow file.
    pub fn parse(text: &str) -> Result<Self, WorkflowError> {
        let file = file::read(text)?;
        let lines = Lines::new(text, file.steps.len());
        let defaults = &file.defaults;
        let default_credential = match (&defaults.credential, &defaults.token_env) {
            (Some(name), _) => Some(CredentialRef::Named(name.clone())),
            (None, Some(var)) => Some(CredentialRef::Env(var.clone())),
            (None, None) => None,
        };
        let trigger = file
            .trigger
            .as_ref()
            .map(|written| {
                trigger::check(
                    written,
                    lines.trigger(),
                    defaults.store_hash.as_deref(),
                    default_credential.clone(),
                )
            })
            .transpose()?;
        let mut steps: Vec<PlannedStep> = Vec::with_capacity(file.steps.len());
        for (index, written) in file.steps.into_iter().enumerate() {
            let line = lines.start(index);
            let name = StepName::new(&written.name).map_err(|e| at(line, e.to_string()))?;
            if trigger.is_some() && name.as_str() == syncaut_actions::triggers::TRIGGER_STEP {
                return Err(at(
                    line,
                    "step name `trigger` is taken by the workflow's trigger (`{{trigger.data…}}`); choose another",
                ));
            }
            if let Some(first) = steps.iter().find(|s| s.name == name) {
                return Err(at(
                    line,
                    format!(
                        "step name `{name}` is already used by the step on line {}; step names must be unique",
                        first.line
                    ),
                ));
            }
            let action = syncaut_executor::find_action(&written.action).map_err(|e| at(line, e.to_string()))?;
            let store_hash = written
                .store_hash
                .as_deref()
                .or(defaults.store_hash.as_deref())
                .map(|hash| StoreHash::new(hash).map_err(|e| at(lines.find(index, "storeHash"), e.to_string())))
                .transpose()?;
            let credential = match (&written.credential, &written.token_env) {
                (Some(name), _) => Some(CredentialRef::Named(name.clone())),
                (None, Some(var)) => Some(CredentialRef::Env(var.clone())),
                (None, None) => match (&defaults.credential, &defaults.token_env) {
                    (Some(name), _) => Some(CredentialRef::Named(name.clone())),
                    (None, Some(var)) => Some(CredentialRef::Env(var.clone())),
                    (None, None) => None,
                },
            };
            if let Some(CredentialRef::Env(var)) = &credential {
                check_env_name(var).map_err(|reason| at(lines.find(index, "tokenEnv"), reason))?;
            }
            let params = Params::check(action, &written.params.0).map_err(|e| {
                let line = match &e {
                    ExecError::UnknownParam { key, .. } => lines.find(index, &format!("{key}:")),
                    ExecError::InvalidParam { key, .. } | ExecError::Template { field: key, .. } => {
                        lines.find(index, &format!("{key}:"))
                    }
                    ExecError::Required { .. } => line,
                    _ => line,
                };
                at(line, e.to_string())
            })?;
            let for_each = written
                .for_each
                .as_deref()
                .map(|text| {
                    let line = lines.find(index, "forEach:");
                    match syncaut_executor::Template::parse(text) {
                        Ok(Some(template)) => Ok(template),
                        Ok(None) => Err(at(
                            line,
                            "forEach must be a template that gives a list, such as \"{{getOrders.data}}\"",
                        )),
                        Err(err) => Err(at(
                            line,
                            format!("forEach: cannot use `{}`: {}", err.expression, err.reason),
                        )),
                    }
                })
                .transpose()?;
            if for_each.is_some()
                && let Some(hidden) = steps.iter().find(|s| s.name.as_str() == syncaut_executor::ITEM)
            {
                return Err(at(
                    line,
                    format!(
                        "this step runs for each item, read as `{{{{item}}}}`, but the step on line {} is named `item`; rename that step",
                        hidden.line
                    ),
                ));
            }
            steps.push(PlannedStep {
                line,
                name,
                store_hash,
                credential,
                params,
                for_each,
            });
        }
        for index in 0..steps.len() {
            check_references(&steps, index, &lines, trigger.is_some())?;
        }
        Ok(Self {
            name: file.name,
            trigger,
            steps,
        })
    }

    /// Refuses steps that would run without a store hash or a credential, given the target.
    pub fn check_target(&self, target: &Target) -> Result<(), WorkflowError> {
        if matches!(target, Target::Override { .. }) {
            return Ok(());
        }
        if let Some(trigger) = &self.trigger {
            if trigger.store_hash.is_none() {
                return Err(at(
                    trigger.line,
                    "the trigger has no storeHash: add `storeHash: …` to it or to `defaults:`",
                ));
            }
            if trigger.credential.is_none() {
                return Err(at(
                    trigger.line,
                    "the trigger has no credential: add `credential: NAME` to it or to `defaults:`",
                ));
            }
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
            if step.credential.is_none() {
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

    /// The executor's step for step `index` on `target`; reads a `tokenEnv` variable.
    pub fn step(&self, index: usize, target: &Target) -> Result<Step, ExecError> {
        let planned = &self.steps[index];
        let (store_hash, credential) = match target {
            Target::Override { store_hash, token } => (store_hash.clone(), CredentialSource::Token(token.clone())),
            Target::AsWritten => {
                let credential = match &planned.credential {
                    Some(CredentialRef::Env(var)) => CredentialSource::Token(token_from_env(var)?),
                    Some(CredentialRef::Named(name)) => CredentialSource::Named(name.clone()),
                    None => {
                        return Err(ExecError::CredentialUnavailable {
                            name: planned.name.to_string(),
                            reason: "the step has no credential: add `credential: NAME` or `tokenEnv: VAR` to it or to `defaults:`".into(),
                        });
                    }
                };
                let store_hash = planned.store_hash.clone().ok_or_else(|| ExecError::InvalidParam {
                    key: "storeHash".into(),
                    message: "the step has no store hash: add `storeHash: …` to it or to `defaults:`".into(),
                })?;
                (store_hash, credential)
            }
        };
        Ok(Step {
            name: planned.name.clone(),
            store_hash,
            credential,
            params: planned.params.clone(),
            for_each: planned.for_each.clone(),
        })
    }

    /// Runs every step in order, calling `on_output` after each; stops at the first
    /// failure, which carries the outputs of the steps that succeeded.
    pub async fn run(
        &self,
        executor: &Executor,
        credentials: &dyn CredentialStore,
        target: &Target,
        mut on_output: impl FnMut(usize, &PlannedStep, &Output, &StatsSnapshot),
    ) -> Result<StepOutputs, RunFailure> {
        let mut outputs = StepOutputs::new();
        for (index, planned) in self.steps.iter().enumerate() {
            let stats = bigcommerce_api::Stats::default();
            let result = match self.step(index, target) {
                Ok(step) => executor.execute(&step, &outputs, credentials, &stats).await,
                Err(err) => Err(err),
            };
            match result {
                Ok(output) => {
                    on_output(index, planned, &output, &stats.snapshot());
                    outputs.insert(planned.name.to_string(), output);
                }
                Err(error) => {
                    return Err(RunFailure {
                        step: planned.name.to_string(),
                        action: planned.action_id(),
                        index,
                        error: Box::new(error),
                        outputs,
                    });
                }
            }
        }
        Ok(outputs)
    }

    /// The request each step would send, with references to earlier steps left as written
    /// (they are filled in when the workflow runs). Needs no token and sends nothing.
    pub fn preview(&self, config: &TransportConfig, target: &Target) -> Result<Vec<RequestPreview>, WorkflowError> {
        self.check_target(target)?;
        Ok(self
            .steps
            .iter()
            .filter_map(|planned| {
                let store_hash = match target {
                    Target::Override { store_hash, .. } => store_hash.clone(),
                    Target::AsWritten => planned.store_hash.clone()?,
                };
                let step = Step {
                    name: planned.name.clone(),
                    store_hash,
                    credential: CredentialSource::Named(String::new()),
                    params: planned.params.clone(),
                    for_each: planned.for_each.clone(),
                };
                Some(step.preview(config))
            })
            .collect())
    }
}

/// Every step a step's templates reference must run before it.
fn check_references(
    steps: &[PlannedStep],
    index: usize,
    lines: &Lines<'_>,
    has_trigger: bool,
) -> Result<(), WorkflowError> {
    let planned = &steps[index];
    let earlier = &steps[..index];
    let for_each = planned.for_each.as_ref().map(|t| ("forEach", t));
    let templates = for_each.into_iter().chain(
        planned
            .params
            .templates()
            .map(|(param, template)| (param.key, template)),
    );
    for (key, template) in templates {
        for referenced in template.steps() {
            if earlier.iter().any(|s| s.name.as_str() == referenced) {
                continue;
            }
            if referenced == syncaut_executor::ITEM && planned.for_each.is_some() && key != "forEach" {
                continue;
            }
            if referenced == syncaut_actions::triggers::TRIGGER_STEP {
                if has_trigger {
                    continue;
                }
                return Err(at(
                    lines.find(index, "{{trigger"),
                    format!(
                        "`{key}` refers to `trigger`, but the workflow has no `trigger:`; add one, or refer to an earlier step"
                    ),
                ));
            }
            let line = lines.find(index, &format!("{{{{{referenced}"));
            let later = steps[index..].iter().find(|s| s.name.as_str() == referenced);
            let reason = match later {
                Some(later) if later.name == planned.name => format!(
                    "`{key}` refers to `{referenced}`, the step itself; a step can only use earlier steps' outputs"
                ),
                Some(later) => format!(
                    "`{key}` refers to step `{referenced}`, which runs later (line {}); a step can only use earlier steps' outputs",
                    later.line
                ),
                None if referenced == syncaut_executor::ITEM => format!(
                    "`{key}` refers to `item`, which only a step with `forEach:` has (the item it runs for); add `forEach: \"{{{{stepName.data}}}}\"` to this step"
                ),
                None => {
                    let known: Vec<&str> = earlier.iter().map(|s| s.name.as_str()).collect();
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
    Ok(())
}

#[cfg(test)]
mod tests;
