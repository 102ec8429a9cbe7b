//! Parameters: each type's own keys checked, defaults checked against their types, the
//! variables guards see (`params.ID`), and the places that name one (`params.ID` in a deadline
//! or a sign-off rule) resolved.

use crate::diagnostic::{suggest, Problem, Report};
use crate::model::expr::{CelType, Variable};
use crate::model::params::{Param, ParamType};
use crate::model::workflow::{Due, Field, FieldId, FieldType, ParamId, Signers, SignoffRule, State, StateKind};
use crate::syntax::raw::{RawParam, RawParamType, RawWorkflow};
use crate::syntax::source_map::YamlPath;

/// How expressions, deadlines and rules name a parameter.
pub(crate) const PREFIX: &str = "params.";

pub(crate) fn params(raw: &RawWorkflow, fields: &[Field], report: &mut Report) -> Vec<Param> {
    let root = YamlPath::root().key("params");
    let roles: Vec<&str> = raw.roles.keys().map(String::as_str).collect();
    raw.params
        .iter()
        .map(|(name, p)| {
            let path = root.key(name);
            super::names::check_id("parameter", name, &path, report);
            let kind = param_type(name, p, fields, raw, &path, report);
            // A default is checked only against a type that was itself right.
            let checkable = kind.is_some();
            let param = Param {
                name: name.clone(),
                title: p.title.clone(),
                kind: kind.unwrap_or(ParamType::Value(FieldType::String)),
                default: p.default.clone(),
                most: None,
                counts_signers: false,
                outlasts: None,
            };
            if checkable {
                if let Err(message) = param.check_with_roles(&roles, &p.default) {
                    report.error(Problem::BadParam { param: name.clone(), message }, &path.key("default"));
                }
            }
            param
        })
        .collect()
}

fn param_type(
    name: &str,
    p: &RawParam,
    fields: &[Field],
    raw: &RawWorkflow,
    path: &YamlPath,
    report: &mut Report,
) -> Option<ParamType> {
    let bad = |key: &str, message: String, report: &mut Report| {
        report.error(Problem::BadParam { param: name.to_owned(), message }, &path.key(key));
    };
    let type_name = raw_name(p.kind);
    if p.kind != RawParamType::Enum && !p.values.is_empty() {
        bad("values", format!("`values` belongs to enum parameters, this one is {}", article(type_name)), report);
    }
    if !matches!(p.kind, RawParamType::List | RawParamType::Table) && p.of.is_some() {
        bad("of", format!("`of` belongs to list and table parameters, this one is {}", article(type_name)), report);
    }
    if p.kind != RawParamType::Table && p.key.is_some() {
        bad("key", format!("`key` belongs to table parameters, this one is {}", article(type_name)), report);
    }
    let scalar = |kind: RawParamType| match kind {
        RawParamType::String => Some(FieldType::String),
        RawParamType::Integer => Some(FieldType::Integer),
        RawParamType::Decimal => Some(FieldType::Decimal),
        RawParamType::Money => Some(FieldType::Money),
        RawParamType::Boolean => Some(FieldType::Boolean),
        RawParamType::Date => Some(FieldType::Date),
        RawParamType::Datetime => Some(FieldType::Datetime),
        _ => None,
    };
    match p.kind {
        RawParamType::Enum => {
            if p.values.is_empty() {
                bad("type", "an enum needs `values: [..]`".into(), report);
                return None;
            }
            Some(ParamType::Value(FieldType::Enum(p.values.clone())))
        }
        RawParamType::List => match p.of.and_then(scalar) {
            Some(inner) => Some(ParamType::Value(FieldType::List(Box::new(inner)))),
            None => {
                bad(
                    if p.of.is_some() { "of" } else { "type" },
                    "a list needs `of: TYPE`, a scalar type (string, integer, decimal, money, boolean, date, datetime)"
                        .into(),
                    report,
                );
                None
            }
        },
        RawParamType::Duration => Some(ParamType::Duration),
        RawParamType::Role => Some(ParamType::Role),
        RawParamType::Table => {
            let of = match p.of {
                Some(RawParamType::Role) => Some(ParamType::Role),
                Some(kind) => scalar(kind).map(ParamType::Value),
                None => None,
            };
            if of.is_none() {
                bad(
                    if p.of.is_some() { "of" } else { "type" },
                    "a table needs `of: TYPE`, the type of its entries: `role` or a scalar type".into(),
                    report,
                );
            }
            let Some(key_name) = &p.key else {
                bad("type", "a table needs `key: FIELD`, the enum field whose values are its keys".into(), report);
                return None;
            };
            let Some(i) = fields.iter().position(|f| &f.name == key_name) else {
                let suggestion = suggest(key_name, raw.fields.keys().map(String::as_str));
                report
                    .error(Problem::Undeclared { what: "field", name: key_name.clone(), suggestion }, &path.key("key"));
                return None;
            };
            let FieldType::Enum(keys) = &fields[i].kind else {
                let message = format!(
                    "`{key_name}` is a {} field; a table's keys are the values of an enum field",
                    fields[i].kind.name()
                );
                bad("key", message, report);
                return None;
            };
            Some(ParamType::Table {
                key: FieldId(u32::try_from(i).unwrap_or(u32::MAX)),
                keys: keys.clone(),
                of: Box::new(of?),
            })
        }
        other => scalar(other).map(ParamType::Value),
    }
}

fn article(type_name: &str) -> String {
    let an = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if an { "an" } else { "a" })
}

fn raw_name(kind: RawParamType) -> &'static str {
    match kind {
        RawParamType::String => "string",
        RawParamType::Integer => "integer",
        RawParamType::Decimal => "decimal",
        RawParamType::Money => "money",
        RawParamType::Boolean => "boolean",
        RawParamType::Date => "date",
        RawParamType::Datetime => "datetime",
        RawParamType::Enum => "enum",
        RawParamType::List => "list",
        RawParamType::Duration => "duration",
        RawParamType::Role => "role",
        RawParamType::Table => "table",
    }
}

/// The CEL type a guard sees for a parameter; `None` for a duration, which only deadlines read.
fn cel_type(kind: &ParamType) -> Option<CelType> {
    match kind {
        ParamType::Value(f) => Some(super::fields::cel_type(f)),
        ParamType::Duration => None,
        ParamType::Role => Some(CelType::String),
        ParamType::Table { of, .. } => Some(CelType::Map(Box::new(CelType::String), Box::new(cel_type(of)?))),
    }
}

/// The variables guards and `with:` read: `params.ID` for each parameter but durations.
pub(crate) fn variables(params: &[Param]) -> Vec<Variable> {
    params
        .iter()
        .filter_map(|p| {
            Some(Variable {
                name: format!("{PREFIX}{}", p.name),
                ty: cel_type(&p.kind)?,
                enum_values: match &p.kind {
                    ParamType::Value(FieldType::Enum(values)) => Some(values.clone()),
                    _ => None,
                },
                describe: format!("{} parameter `{}`", p.kind.name(), p.name),
            })
        })
        .collect()
}

/// The parameter `text` (`params.ID`) names, reported at `path` when there is none; `None`
/// without a report when `text` does not name a parameter at all.
pub(crate) fn named(
    text: &str,
    raw: &RawWorkflow,
    want: RawParamType,
    path: &YamlPath,
    report: &mut Report,
) -> Option<Option<ParamId>> {
    let name = text.trim().strip_prefix(PREFIX)?;
    let Some(i) = raw.params.get_index_of(name) else {
        let suggestion = suggest(name, raw.params.keys().map(String::as_str));
        report.error(Problem::Undeclared { what: "parameter", name: name.to_owned(), suggestion }, path);
        return Some(None);
    };
    let kind = raw.params[i].kind;
    if kind != want {
        let message =
            format!("it is {} parameter; this needs {} one", article(raw_name(kind)), article(raw_name(want)));
        report.error(Problem::BadParam { param: name.to_owned(), message }, path);
        return Some(None);
    }
    Some(Some(ParamId(u32::try_from(i).unwrap_or(u32::MAX))))
}

/// Note on each integer parameter that is the k of a sign-off that it counts signatures, and,
/// for signers listed by role, how many there are; on each duration a deadline runs for, its
/// longest reminder; then check its default again.
pub(crate) fn bound_by_rules(raw: &RawWorkflow, params: &mut [Param], states: &[State], report: &mut Report) {
    for state in states {
        let Some(deadline) = state.deadline() else { continue };
        let (Due::AfterParam(id), Some(longest)) = (deadline.due(), deadline.remind().iter().max()) else { continue };
        let param = &mut params[id.index()];
        if param.outlasts.as_ref().is_none_or(|(d, _)| longest > d) {
            param.outlasts = Some((*longest, state.name().to_owned()));
        }
    }
    for state in states {
        let StateKind::Signoff(signoff) = state.kind() else { continue };
        let SignoffRule::Param(id) = signoff.rule() else { continue };
        let param = &mut params[id.index()];
        param.counts_signers = true;
        if let Signers::Roles(roles) = signoff.signers() {
            if param.most.as_ref().is_none_or(|(most, _)| roles.len() < *most) {
                param.most = Some((roles.len(), state.name().to_owned()));
            }
        }
    }
    let roles: Vec<&str> = raw.roles.keys().map(String::as_str).collect();
    // A default of the wrong type was reported with the parameter already.
    let bounded = |p: &&Param| {
        (p.counts_signers && p.default.is_i64())
            || (p.outlasts.is_some() && p.default.as_str().and_then(crate::model::schedule::parse_duration).is_some())
    };
    for param in params.iter().filter(bounded) {
        if let Err(message) = param.check_with_roles(&roles, &param.default) {
            let path = YamlPath::root().key("params").key(&param.name).key("default");
            report.error(Problem::BadParam { param: param.name.clone(), message }, &path);
        }
    }
}
