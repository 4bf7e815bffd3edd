//! Checks an action against BigCommerce's own spec, through the generated operation index.
//!
//! When BigCommerce changes an endpoint, regenerating the index and running this check
//! (the `every_action_conforms_to_the_bigcommerce_spec` test) names every affected action.

use std::fmt;

use bigcommerce_api::index::{self, Operation, ParamLocation, SpecIndex, Specs};
use serde_json::Value;

use crate::model::{Action, BodyShape, Items, Pagination, Paging, ParamType, ResponseShape, Total, Wire};
use crate::options::{Label, OptionSource};
use crate::output::properties;
use crate::triggers::{Condition, Identity, Since, Trigger};

/// One way an action disagrees with the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The action's id.
    pub action: &'static str,
    /// What disagrees, in a sentence.
    pub problem: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.action, self.problem)
    }
}

/// Every mismatch between `action` and the operation the pinned spec defines for its
/// method and path; empty when the action conforms.
pub fn check(action: &Action) -> Vec<Mismatch> {
    check_against(action, index::pinned())
}

/// [`check`] against other indexes (a newer release of the specs).
pub fn check_against(action: &Action, specs: &Specs) -> Vec<Mismatch> {
    if action.kind == crate::model::ActionKind::Raw {
        // Its operation is the user's; the executor matches it against the index.
        return check_raw(action)
            .into_iter()
            .map(|problem| Mismatch {
                action: action.id,
                problem,
            })
            .collect();
    }
    let mut problems = check_operation(action, specs);
    for route in action.routes {
        let condition = match route.when {
            crate::model::When::Equals(value) => {
                if !action
                    .param(route.param)
                    .is_some_and(|p| p.choices.iter().any(|c| c.value == value))
                {
                    problems.push(format!(
                        "a route is chosen by `{}` = {}, which is not one of its choices",
                        route.param,
                        value.to_json()
                    ));
                }
                format!("`{}` = {}", route.param, value.to_json())
            }
            crate::model::When::Given | crate::model::When::Empty => {
                if action.param(route.param).is_none() {
                    problems.push(format!(
                        "a route is chosen by `{}`, which is not a parameter",
                        route.param
                    ));
                }
                format!("`{}` {:?}", route.param, route.when)
            }
        };
        let other = Action {
            method: route.method,
            path: route.path,
            ..*action
        };
        for problem in check_operation(&other, specs) {
            // A placeholder of a route may be filled by its optional parameter or by a
            // lookup into it.
            if !route_fills(action, route, &problem) {
                problems.push(format!("with {condition}: {problem}"));
            }
        }
    }
    problems
        .into_iter()
        .map(|problem| Mismatch {
            action: action.id,
            problem,
        })
        .collect()
}

/// Whether a problem of a route's operation is only that a path placeholder has no
/// required parameter, while a routing parameter or a lookup fills it.
fn route_fills(action: &Action, route: &crate::model::Route, problem: &str) -> bool {
    let about_placeholder = problem.starts_with("path placeholder") || problem.contains("Path parameter");
    if !about_placeholder {
        return false;
    }
    route
        .path
        .split('{')
        .skip(1)
        .filter_map(|rest| rest.split('}').next())
        .filter(|name| problem.contains(&format!("{{{name}}}")) || problem.contains(&format!("`{name}`")))
        .any(|name| {
            let by_param = action
                .params
                .iter()
                .any(|p| p.wire.is_path(name) && action.routes.iter().any(|r| r.param == p.key));
            let by_lookup = action.body_lookups.iter().any(|l| l.into == format!("{{{name}}}"));
            by_param || by_lookup
        })
}

/// A raw request action has exactly the parameters the executor reads.
fn check_raw(action: &Action) -> Vec<String> {
    let keys: Vec<&str> = action.params.iter().map(|p| p.key).collect();
    let mut problems = Vec::new();
    if keys != ["method", "path", "query", "body"] {
        problems.push(format!(
            "a raw request takes method, path, query and body, not {keys:?}"
        ));
    }
    if action
        .params
        .iter()
        .any(|p| p.wire != Wire::Control(crate::model::Control::Request))
    {
        problems.push("a raw request's parameters are read by the executor, not sent as they are".into());
    }
    problems
}

/// The problems of the operation at the action's method and path.
fn check_operation(action: &Action, specs: &Specs) -> Vec<String> {
    let mut problems = Vec::new();
    match specs.find_with_spec(action.api_version, action.method.as_str(), action.path) {
        None => problems.push(format!(
            "the {} spec has no operation {} {}",
            action.api_version,
            action.method.as_str(),
            action.path
        )),
        Some((spec, op)) => {
            check_path_template(action, &mut problems);
            check_params(action, spec, op, &mut problems);
            check_required_by_spec(action, op, &mut problems);
            check_body(action, spec, op, &mut problems);
            check_response(action, spec, op, &mut problems);
            check_scope(action, op, &mut problems);
            check_paging(action, op, &mut problems);
            check_extras_and_exists(action, spec, specs, &mut problems);
            check_body_lookups(action, spec, op, specs, &mut problems);
            if op.deprecated && action.deprecated_because.is_none() {
                problems.push(format!(
                    "{} {} is deprecated in the spec; move to the operation that replaces it, or record why in `deprecated_because`",
                    action.method.as_str(),
                    action.path
                ));
            }
            check_count_endpoint(action, specs, &mut problems);
        }
    }
    problems
}

fn check_path_template(action: &Action, problems: &mut Vec<String>) {
    for placeholder in action.path.split('{').skip(1).filter_map(|rest| rest.split('}').next()) {
        let filled = action.params.iter().any(|p| p.required && p.wire.is_path(placeholder));
        if !filled {
            problems.push(format!(
                "path placeholder {{{placeholder}}} has no required path parameter"
            ));
        }
    }
}

/// Whether a value of our type can be sent where the spec expects `spec_type`
/// (with `items_type` for arrays, which also take a single value).
fn compatible(ours: ParamType, spec_type: Option<&str>, items_type: Option<&str>) -> bool {
    let scalar_ok = |ours: ParamType, t: Option<&str>| match (ours, t) {
        (_, None) => true,
        (ParamType::Integer, Some(t)) => matches!(t, "integer" | "number" | "string"),
        (ParamType::Number, Some(t)) => matches!(t, "number" | "string"),
        (ParamType::String | ParamType::Email, Some(t)) => t == "string",
        (ParamType::Boolean, Some(t)) => matches!(t, "boolean" | "string"),
        (ParamType::IntegerList | ParamType::StringList | ParamType::ObjectList | ParamType::Json, Some(_)) => false,
    };
    match (ours, spec_type) {
        // A list goes only where the spec takes an array of its items (or leaves the
        // parameter untyped).
        (ParamType::IntegerList, Some("array")) => scalar_ok(ParamType::Integer, items_type),
        (ParamType::StringList, Some("array")) => scalar_ok(ParamType::String, items_type),
        (ParamType::ObjectList, Some("array")) => items_type.is_none_or(|t| t == "object"),
        (ParamType::IntegerList | ParamType::StringList | ParamType::ObjectList, None) => true,
        (ParamType::IntegerList | ParamType::StringList | ParamType::ObjectList, _) => false,
        (ParamType::Json, _) => true,
        (_, Some("array")) => scalar_ok(ours, items_type),
        (_, other) => scalar_ok(ours, other),
    }
}

fn check_params(action: &Action, spec: &SpecIndex, op: &Operation, problems: &mut Vec<String>) {
    for param in action.params {
        match param.wire {
            Wire::Path(name)
                if !action.path.contains(&format!("{{{name}}}"))
                    && action.routes.iter().any(|r| r.path.contains(&format!("{{{name}}}"))) =>
            {
                // Only another route's path has it (a variant of the product).
            }
            Wire::Path(name) | Wire::Query(name) => {
                let location = if matches!(param.wire, Wire::Path(_)) {
                    ParamLocation::Path
                } else {
                    ParamLocation::Query
                };
                check_wire_param(param.key, name, location, param.ty, op, problems);
                if let Some(spec_param) = op.parameter(name, location) {
                    check_choices_in_enum(
                        param.key,
                        param.choices.iter().map(|c| c.value.to_json()),
                        spec_param,
                        problems,
                    );
                }
            }
            Wire::ChoiceQuery => {
                for choice in param.choices {
                    for pair in choice.query {
                        let Some(spec_param) = op.parameter(pair.name, ParamLocation::Query) else {
                            problems.push(format!(
                                "choice `{}` of `{}` sends query `{}`, which the spec does not define",
                                choice.label, param.key, pair.name
                            ));
                            continue;
                        };
                        check_literal(param.key, pair.name, pair.value, spec_param, problems);
                    }
                }
            }
            Wire::QueryByValue(rules) => {
                for rule in rules {
                    check_wire_param(param.key, rule.name, ParamLocation::Query, param.ty, op, problems);
                }
                if !rules.iter().any(|r| r.when == crate::model::ValueLooks::Anything) {
                    problems.push(format!("`{}` has no query rule for values of any shape", param.key));
                }
            }
            Wire::Body(pointer) => check_body_field(action, param.key, pointer, param.ty, spec, op, problems),
            Wire::Control(crate::model::Control::Route) => {
                if !action.routes.iter().any(|route| route.param == param.key) {
                    problems.push(format!(
                        "`{}` chooses a route, but the action has none for it",
                        param.key
                    ));
                }
            }
            Wire::Control(crate::model::Control::Request) => {
                problems.push(format!(
                    "`{}` is part of a raw request, but the action is not one",
                    param.key
                ));
            }
            Wire::Control(_) => {
                if action.pagination == Pagination::None {
                    problems.push(format!("`{}` controls paging, but the action does not page", param.key));
                }
            }
        }
    }
    for pair in action.fixed_query {
        match op.parameter(pair.name, ParamLocation::Query) {
            None => problems.push(format!("fixed query `{}` is not a parameter in the spec", pair.name)),
            Some(spec_param) => check_literal("(fixed)", pair.name, pair.value, spec_param, problems),
        }
    }
}

fn check_wire_param(
    key: &str,
    name: &str,
    location: ParamLocation,
    ty: ParamType,
    op: &Operation,
    problems: &mut Vec<String>,
) {
    let Some(spec_param) = op.parameter(name, location) else {
        problems.push(format!(
            "`{key}` is sent as {location:?} parameter `{name}`, which the spec does not define"
        ));
        return;
    };
    let (spec_type, items_type) = match (spec_param.type_name.as_deref(), spec_param.items_type.as_deref()) {
        // BigCommerce's `…:in` filters take comma-separated lists, whatever type the spec
        // writes for them.
        (Some(scalar), _) if name.ends_with(":in") && scalar != "array" => (Some("array"), Some(scalar)),
        other => other,
    };
    if !compatible(ty, spec_type, items_type) {
        problems.push(format!(
            "`{key}` is {ty:?} but the spec's {location:?} parameter `{name}` is {}",
            describe_type(spec_param.type_name.as_deref(), spec_param.items_type.as_deref())
        ));
    }
}

fn describe_type(type_name: Option<&str>, items: Option<&str>) -> String {
    match (type_name, items) {
        (Some("array"), Some(items)) => format!("an array of {items}"),
        (Some(t), _) => t.to_owned(),
        (None, _) => "untyped".to_owned(),
    }
}

fn check_choices_in_enum(
    key: &str,
    values: impl Iterator<Item = Value>,
    spec_param: &index::Parameter,
    problems: &mut Vec<String>,
) {
    let Some(allowed) = &spec_param.enum_values else { return };
    for value in values {
        if !allowed.iter().any(|a| same_literal(a, &value)) {
            problems.push(format!(
                "`{key}` offers {value}, which `{}` does not allow",
                spec_param.name
            ));
        }
    }
}

fn same_literal(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    text(a) == text(b)
}

fn check_literal(key: &str, name: &str, value: &str, spec_param: &index::Parameter, problems: &mut Vec<String>) {
    check_choices_in_enum(key, std::iter::once(Value::from(value)), spec_param, problems);
    let fits = match spec_param.type_name.as_deref() {
        Some("boolean") => matches!(value, "true" | "false"),
        Some("integer") => value.parse::<i64>().is_ok(),
        Some("number") => value.parse::<f64>().is_ok(),
        _ => true,
    };
    if !fits {
        problems.push(format!(
            "`{key}` sends `{name}={value}`, which is not a {:?}",
            spec_param.type_name
        ));
    }
}

/// The schema of the body object (the array's item, for array bodies).
fn body_object(spec: &SpecIndex, op: &Operation) -> Option<Value> {
    let body = op.request_body.as_ref()?;
    let schema = spec.resolve(body.schema.as_ref()?);
    if body.is_array {
        schema.get("items").map(|items| spec.resolve(items))
    } else {
        Some(schema)
    }
}

fn check_body_field(
    action: &Action,
    key: &str,
    pointer: &str,
    ty: ParamType,
    spec: &SpecIndex,
    op: &Operation,
    problems: &mut Vec<String>,
) {
    if action.body == BodyShape::None {
        problems.push(format!("`{key}` goes in the body, but the action sends no body"));
        return;
    }
    if pointer.is_empty() {
        // The whole body: a list of records, where the spec's body is an array.
        let is_array = op.request_body.as_ref().is_some_and(|b| b.is_array);
        if action.body != BodyShape::List || !is_array || ty != ParamType::ObjectList {
            problems.push(format!(
                "`{key}` is the whole body, which needs a list of records, BodyShape::List and an array body in the spec"
            ));
        }
        return;
    }
    let Some(mut schema) = body_object(spec, op) else {
        problems.push(format!(
            "`{key}` goes in the body, but the spec's operation takes no JSON body"
        ));
        return;
    };
    for segment in pointer.trim_start_matches('/').split('/') {
        if segment == "*" {
            // Each item of the list so far; items that are one of several shapes must all
            // have the field.
            match schema.get("items") {
                Some(items) => {
                    schema = spec.resolve(items);
                    if let Some(Value::Array(branches)) = schema.get("oneOf").or_else(|| schema.get("anyOf")) {
                        let merged: Vec<Value> = branches.iter().map(|b| spec.resolve(b)).collect();
                        let common = merged.first().cloned().unwrap_or_default();
                        let last = pointer.rsplit('/').next().unwrap_or_default();
                        let everywhere = merged
                            .iter()
                            .all(|branch| properties(spec, branch).iter().any(|(name, _)| name == last));
                        if !everywhere {
                            problems.push(format!(
                                "`{key}` is sent as body field `{pointer}`, which not every shape of the items defines"
                            ));
                            return;
                        }
                        schema = common;
                    }
                    continue;
                }
                None => {
                    problems.push(format!(
                        "`{key}` is sent as body field `{pointer}`, but `*` follows no array"
                    ));
                    return;
                }
            }
        }
        let Some((_, field)) = properties(spec, &schema).into_iter().find(|(name, _)| name == segment) else {
            problems.push(format!(
                "`{key}` is sent as body field `{pointer}`, which the spec's body does not define"
            ));
            return;
        };
        schema = spec.resolve(&field);
    }
    let spec_type = schema.get("type").and_then(Value::as_str);
    let items_type = schema.pointer("/items/type").and_then(Value::as_str);
    if !compatible(ty, spec_type, items_type) {
        problems.push(format!(
            "`{key}` is {ty:?} but body field `{pointer}` is {}",
            describe_type(spec_type, items_type)
        ));
    }
}

fn check_required_by_spec(action: &Action, op: &Operation, problems: &mut Vec<String>) {
    for spec_param in op.parameters.iter().filter(|p| p.required) {
        let provided = match spec_param.location {
            ParamLocation::Path => action
                .params
                .iter()
                .any(|p| p.required && p.wire.is_path(&spec_param.name)),
            ParamLocation::Query => {
                action
                    .params
                    .iter()
                    .any(|p| p.required && p.wire.is_query(&spec_param.name))
                    || action.fixed_query.iter().any(|q| q.name == spec_param.name)
            }
            ParamLocation::Header | ParamLocation::Cookie => true,
        };
        if !provided {
            problems.push(format!(
                "the spec requires {:?} parameter `{}`, which no required parameter provides",
                spec_param.location, spec_param.name
            ));
        }
    }
}

fn check_body(action: &Action, spec: &SpecIndex, op: &Operation, problems: &mut Vec<String>) {
    let spec_body = op.request_body.as_ref();
    match (action.body, spec_body) {
        (BodyShape::None, Some(body)) if body.required => problems.push("the spec requires a request body".into()),
        (BodyShape::Object | BodyShape::ArrayOfOne | BodyShape::List, None) => {
            problems.push("the action sends a body, but the spec's operation takes none".into())
        }
        (BodyShape::List, Some(body)) if !body.is_array => {
            problems.push("the action sends a list, but the spec's body is an object".into())
        }
        (BodyShape::Object, Some(body)) if body.is_array => {
            problems.push("the spec's body is a JSON array, but the action sends an object".into())
        }
        (BodyShape::ArrayOfOne, Some(body)) if !body.is_array => {
            problems.push("the action sends an array, but the spec's body is an object".into())
        }
        _ => {}
    }
    let Some(body) = spec_body else { return };
    // A list body's records come whole from the user; BigCommerce checks their fields.
    if matches!(action.body, BodyShape::None | BodyShape::List) {
        return;
    }
    for field in &body.required_fields {
        let pointer = format!("/{field}");
        let provided = action
            .params
            .iter()
            .any(|p| p.wire.is_body(&pointer) && (p.required || p.default.is_some()));
        if !provided {
            problems.push(format!(
                "the spec requires body field `{field}`, which no required parameter or default provides"
            ));
        }
    }
    if body_object(spec, op).is_none() {
        problems.push("the spec's request body has no JSON schema".into());
    }
}

fn check_response(action: &Action, spec: &SpecIndex, op: &Operation, problems: &mut Vec<String>) {
    let Some(response) = &op.response else {
        problems.push("the spec lists no success response".into());
        return;
    };
    let schema = response.schema.as_ref().map(|s| spec.resolve(s));
    match action.response {
        ResponseShape::Deleted => {
            if response.status != 204 {
                problems.push(format!(
                    "a delete expects 204 No Content, the spec answers {}",
                    response.status
                ));
            }
        }
        ResponseShape::V3Data | ResponseShape::V3FirstOfData | ResponseShape::OneMatch { .. } => {
            let has_data = schema
                .as_ref()
                .is_some_and(|s| properties(spec, s).iter().any(|(name, _)| name == "data"));
            if !has_data {
                problems.push("expects a V3 `{data}` envelope, but the spec's response has no `data`".into());
            }
        }
        ResponseShape::Body => {
            if schema.is_none() {
                problems.push("expects a JSON body, but the spec's response has none".into());
            }
        }
    }
}

/// A paged list takes the page and limit parameters it names, and serves the page size.
fn check_paging(action: &Action, op: &Operation, problems: &mut Vec<String>) {
    let Pagination::Pages(paging) = action.pagination else {
        return;
    };
    for name in [paging.page_param, paging.limit_param] {
        if op.parameter(name, ParamLocation::Query).is_none() {
            problems.push(format!(
                "paging uses the query parameter `{name}`, which the spec does not define"
            ));
        }
    }
    if let Some(maximum) = op
        .parameter(paging.limit_param, ParamLocation::Query)
        .and_then(|p| p.maximum)
        && (paging.max_page_size as f64) > maximum
    {
        problems.push(format!(
            "paging asks for {} records per page, but the spec allows at most {maximum}",
            paging.max_page_size
        ));
    }
}

/// The count endpoint of a list must exist, answer its count field, and take the list's
/// filters.
fn check_count_endpoint(action: &Action, specs: &Specs, problems: &mut Vec<String>) {
    let Pagination::Pages(Paging {
        total: Total::CountEndpoint { path, field },
        page_param,
        limit_param,
        ..
    }) = action.pagination
    else {
        return;
    };
    let Some((spec, op)) = specs.find_with_spec(action.api_version, "GET", path) else {
        problems.push(format!("the count endpoint GET {path} is not in the spec"));
        return;
    };
    let schema = op
        .response
        .as_ref()
        .and_then(|r| r.schema.as_ref())
        .map(|s| spec.resolve(s));
    if !schema.is_some_and(|s| properties(spec, &s).iter().any(|(name, _)| name == field)) {
        problems.push(format!("GET {path} does not answer a `{field}`"));
    }
    for param in action.params {
        if let Wire::Query(name) = param.wire
            && name != page_param
            && name != limit_param
            && op.parameter(name, ParamLocation::Query).is_none()
        {
            problems.push(format!(
                "GET {path} does not take the filter `{name}`, so its count would not match"
            ));
        }
    }
}

/// Every extra response field names a component schema of the spec, and an existence
/// check names a list that takes the ID filter.
fn check_extras_and_exists(action: &Action, spec: &SpecIndex, specs: &Specs, problems: &mut Vec<String>) {
    for extra in action.response_extras {
        if !spec.schemas.contains_key(extra.list_of) {
            problems.push(format!(
                "response field `{}` lists `{}`, which is not a schema of {}",
                extra.name, extra.list_of, spec.file
            ));
        }
    }
    if let Some(exists) = action.exists {
        match specs.find(action.api_version, "GET", exists.path) {
            None => problems.push(format!("the existence check GET {} is not in the spec", exists.path)),
            Some(op) if op.parameter(exists.id_query, ParamLocation::Query).is_none() => problems.push(format!(
                "the existence check GET {} does not take `{}`",
                exists.path, exists.id_query
            )),
            Some(_) => {}
        }
    }
}

/// A body lookup asks an operation the spec has, with parameters it takes, and fills in a
/// body field the spec defines, for a parameter the action has.
fn check_body_lookups(action: &Action, spec: &SpecIndex, op: &Operation, specs: &Specs, problems: &mut Vec<String>) {
    for lookup in action.body_lookups {
        if action.param(lookup.param).is_none() {
            problems.push(format!(
                "a body lookup depends on `{}`, which is not a parameter",
                lookup.param
            ));
        }
        match specs.find(action.api_version, "GET", lookup.path) {
            None => problems.push(format!("the body lookup GET {} is not in the spec", lookup.path)),
            Some(get) => {
                for pair in lookup.query {
                    if get.parameter(pair.name, ParamLocation::Query).is_none() {
                        problems.push(format!(
                            "the body lookup GET {} does not take `{}`",
                            lookup.path, pair.name
                        ));
                    }
                }
            }
        }
        if lookup.into.starts_with('{') {
            if !action.routes.iter().any(|r| r.path.contains(lookup.into)) {
                problems.push(format!("a lookup fills {}, which no route's path has", lookup.into));
            }
            continue;
        }
        let field = lookup
            .into
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default();
        let defined =
            body_object(spec, op).is_some_and(|body| properties(spec, &body).iter().any(|(name, _)| name == field));
        if !defined {
            problems.push(format!(
                "a body lookup fills `{}`, which the spec's body does not define",
                lookup.into
            ));
        }
    }
}

fn check_scope(action: &Action, op: &Operation, problems: &mut Vec<String>) {
    if !op.scopes.allows(action.scope.name) {
        problems.push(format!(
            "scope `{}` does not allow this operation; the spec lists {:?}",
            action.scope.name,
            op.scopes.read_only.iter().chain(&op.scopes.modify).collect::<Vec<_>>()
        ));
    }
    if action.is_read() && !op.scopes.read_only.iter().any(|s| s == action.scope.name) {
        problems.push(format!(
            "a read should need only a read-only scope, not `{}` (spec: {:?})",
            action.scope.name, op.scopes.read_only
        ));
    }
}

/// Every way an option source disagrees with the spec: its list endpoint, its page and
/// search parameters, and the record fields its value and label read. Empty when it
/// conforms.
pub fn check_source(source: &OptionSource) -> Vec<String> {
    check_source_against(source, index::pinned())
}

/// [`check_source`] against other indexes (a newer release of the specs).
pub fn check_source_against(source: &OptionSource, specs: &Specs) -> Vec<String> {
    let Some((spec, op)) = specs.find_with_spec(source.api_version, "GET", source.path) else {
        return vec![format!(
            "the {} spec has no operation GET {}",
            source.api_version, source.path
        )];
    };
    let mut problems = Vec::new();
    if op.deprecated {
        problems.push(format!("GET {} is deprecated in the spec", source.path));
    }
    if !op.scopes.read_only.iter().any(|s| s == source.scope.name) {
        problems.push(format!(
            "scope `{}` is not a read-only scope of GET {} (spec: {:?})",
            source.scope.name, source.path, op.scopes.read_only
        ));
    }
    let searched = source.search.iter().map(|rule| rule.name);
    for name in [source.page_param, source.limit_param].into_iter().chain(searched) {
        if op.parameter(name, ParamLocation::Query).is_none() {
            problems.push(format!("GET {} has no query parameter `{name}`", source.path));
        }
    }
    let read = match source.label {
        Label::Fields { fields, detail } => {
            let mut read: Vec<&str> = fields.to_vec();
            read.extend(detail.map(|(_, field, _)| field));
            read
        }
        Label::TreePath { name, parent } => vec![name, parent],
    };
    match item_fields(spec, op, source.items) {
        None => problems.push(format!(
            "the spec's answer to GET {} is not a list of records",
            source.path
        )),
        Some(fields) => {
            for field in std::iter::once(source.value).chain(read) {
                if !fields.iter().any(|f| f == field) {
                    problems.push(format!("the records of GET {} have no field `{field}`", source.path));
                }
            }
        }
    }
    problems
}

/// The fields of the records a list operation answers with.
fn item_fields(spec: &SpecIndex, op: &Operation, items: Items) -> Option<Vec<String>> {
    let response = spec.resolve(op.response.as_ref()?.schema.as_ref()?);
    let list = match items {
        Items::Data => {
            properties(spec, &response)
                .into_iter()
                .find(|(name, _)| name == "data")?
                .1
        }
        Items::Body => response,
    };
    let list = spec.resolve(&list);
    let item = list.get("items")?;
    Some(properties(spec, item).into_iter().map(|(name, _)| name).collect())
}

/// Every way a trigger disagrees with the pinned specs: its webhook scope, its poll
/// endpoint, filter, sort and paging parameters and the record fields it reads, its record
/// action. Empty when it conforms.
pub fn check_trigger(trigger: &Trigger) -> Vec<String> {
    check_trigger_against(trigger, index::pinned())
}

/// [`check_trigger`] against other indexes (a newer release of the specs).
pub fn check_trigger_against(trigger: &Trigger, specs: &Specs) -> Vec<String> {
    let mut problems = Vec::new();
    // The webhooks spec documents each scope as a payload schema titled with it.
    let documented = specs.all().iter().filter(|s| s.module == "webhooks").any(|spec| {
        spec.schemas
            .values()
            .any(|schema| schema.get("title").and_then(Value::as_str) == Some(trigger.webhook))
    });
    if !documented {
        problems.push(format!("the webhooks spec documents no scope `{}`", trigger.webhook));
    }
    let poll = &trigger.poll;
    match specs.find_with_spec(poll.api_version, "GET", poll.path) {
        None => problems.push(format!(
            "the {} spec has no operation GET {} to poll",
            poll.api_version, poll.path
        )),
        Some((spec, op)) => {
            if op.deprecated {
                problems.push(format!("GET {} is deprecated in the spec", poll.path));
            }
            let (since_param, since_field) = match poll.since {
                Since::IdAbove { param, .. } => (param, "id"),
                Since::TimeFrom { param, field, .. } => (param, field),
            };
            for name in [since_param, poll.page_param, poll.limit_param] {
                if op.parameter(name, ParamLocation::Query).is_none() {
                    problems.push(format!("GET {} has no query parameter `{name}`", poll.path));
                }
            }
            for pair in poll.sort {
                match op.parameter(pair.name, ParamLocation::Query) {
                    None => problems.push(format!("GET {} has no query parameter `{}`", poll.path, pair.name)),
                    Some(p) => check_literal(pair.name, pair.name, pair.value, p, &mut problems),
                }
            }
            if !op.scopes.read_only.iter().any(|s| s == trigger.scope.name) {
                problems.push(format!(
                    "scope `{}` is not a read-only scope of GET {} (spec: {:?})",
                    trigger.scope.name, poll.path, op.scopes.read_only
                ));
            }
            let mut read = vec![since_field, "id"];
            if let Condition::Changed { field, .. } = trigger.condition {
                read.push(field);
            }
            if trigger.identity == Identity::Version {
                read.push("date_modified");
            }
            match item_fields(spec, op, poll.items) {
                None => problems.push(format!(
                    "the spec's answer to GET {} is not a list of records",
                    poll.path
                )),
                Some(fields) => {
                    for field in read {
                        if !fields.iter().any(|f| f == field) {
                            problems.push(format!("the records of GET {} have no field `{field}`", poll.path));
                        }
                    }
                }
            }
        }
    }
    match crate::find(trigger.record.action) {
        None => problems.push(format!("the record action `{}` does not exist", trigger.record.action)),
        Some(action) if action.param(trigger.record.id_param).is_none() => problems.push(format!(
            "the record action `{}` has no parameter `{}`",
            action.id, trigger.record.id_param
        )),
        Some(_) => {}
    }
    problems
}
