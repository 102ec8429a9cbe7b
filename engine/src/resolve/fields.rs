//! Roles and typed fields: each type's own keys (`values`, `of`, `items`) checked, and the
//! variables that guards see.

use crate::diagnostic::{Problem, Report};
use crate::model::expr::{CelType, Variable};
use crate::model::workflow::{Field, FieldType, Parameter, Role};
use crate::resolve::PathExt;
use crate::syntax::raw::{RawFieldType, RawWorkflow};
use crate::syntax::source_map::YamlPath;

pub(crate) fn roles(raw: &RawWorkflow, report: &mut Report) -> Vec<Role> {
    raw.roles
        .iter()
        .map(|(name, r)| {
            if r.optional && !r.parameter {
                report.error(
                    Problem::OptionalRole { role: name.clone() },
                    &YamlPath::root().at_key(&["roles", name, "optional"]),
                );
            }
            let parameter = match (r.parameter, r.optional) {
                (false, _) => None,
                (true, false) => Some(Parameter::Required),
                (true, true) => Some(Parameter::Optional),
            };
            Role { name: name.clone(), title: r.title.clone(), parameter }
        })
        .collect()
}

pub(crate) fn fields(raw: &RawWorkflow, report: &mut Report) -> Vec<Field> {
    let root = YamlPath::root().key("fields");
    raw.fields
        .iter()
        .map(|(name, f)| {
            let path = root.key(name);
            let mut bad = |key: &str, message: String| {
                report.error(Problem::BadField { field: name.clone(), message }, &path.key(key));
            };
            let type_name = field_type_name(f.kind);
            if f.kind != RawFieldType::Enum && !f.values.is_empty() {
                bad("values", format!("`values` belongs to enum fields, this one is {}", article(type_name)));
            }
            if f.kind != RawFieldType::List && f.of.is_some() {
                bad("of", format!("`of` belongs to list fields, this one is {}", article(type_name)));
            }
            if f.kind != RawFieldType::Checklist && !f.items.is_empty() {
                bad("items", format!("`items` belongs to checklist fields, this one is {}", article(type_name)));
            }
            let kind = match f.kind {
                RawFieldType::Enum => {
                    if f.values.is_empty() {
                        bad("type", "an enum needs `values: [..]`".into());
                    }
                    for (i, v) in f.values.iter().enumerate() {
                        if f.values[..i].contains(v) {
                            report.error(Problem::DuplicateEntry { name: v.clone() }, &path.key("values").index(i));
                        }
                    }
                    FieldType::Enum(f.values.clone())
                }
                RawFieldType::List => match f.of {
                    None => {
                        bad("type", "a list needs `of: TYPE`, the type of its elements".into());
                        FieldType::List(Box::new(FieldType::String))
                    }
                    Some(inner @ (RawFieldType::List | RawFieldType::Checklist | RawFieldType::Enum)) => {
                        bad("of", format!("list elements are scalars (string, integer, decimal, money, boolean, date, datetime), not {}", field_type_name(inner)));
                        FieldType::List(Box::new(FieldType::String))
                    }
                    Some(inner) => FieldType::List(Box::new(scalar(inner))),
                },
                RawFieldType::Checklist => {
                    if f.items.is_empty() {
                        bad("type", "a checklist needs `items:`, each item id with its title".into());
                    }
                    for id in f.items.keys() {
                        super::names::check_id("checklist item", id, &path.key("items").key(id), report);
                    }
                    FieldType::Checklist(f.items.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                }
                other => scalar(other),
            };
            Field { name: name.clone(), title: f.title.clone(), kind, versioned: f.versioned }
        })
        .collect()
}

fn scalar(kind: RawFieldType) -> FieldType {
    match kind {
        RawFieldType::Integer => FieldType::Integer,
        RawFieldType::Decimal => FieldType::Decimal,
        RawFieldType::Money => FieldType::Money,
        RawFieldType::Boolean => FieldType::Boolean,
        RawFieldType::Date => FieldType::Date,
        RawFieldType::Datetime => FieldType::Datetime,
        _ => FieldType::String,
    }
}

fn article(type_name: &str) -> String {
    let an = type_name.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {type_name}", if an { "an" } else { "a" })
}

fn field_type_name(kind: RawFieldType) -> &'static str {
    match kind {
        RawFieldType::Enum => "enum",
        RawFieldType::List => "list",
        RawFieldType::Checklist => "checklist",
        RawFieldType::String => "string",
        other => scalar(other).name(),
    }
}

/// The CEL type a guard sees for a field of this type. Dates and times are RFC 3339 strings, so
/// they compare in time order.
#[must_use]
pub(crate) fn cel_type(kind: &FieldType) -> CelType {
    match kind {
        FieldType::String | FieldType::Enum(_) | FieldType::Date | FieldType::Datetime => CelType::String,
        FieldType::Integer => CelType::Int,
        FieldType::Decimal | FieldType::Money => CelType::Double,
        FieldType::Boolean => CelType::Bool,
        FieldType::List(inner) => CelType::List(Box::new(cel_type(inner))),
        FieldType::Checklist(_) => CelType::Map(Box::new(CelType::String), Box::new(CelType::Bool)),
    }
}

/// The variables every guard may read: the fields, plus `actor`, `requester`, `now` and `instance`.
pub(crate) fn variables(fields: &[Field]) -> Vec<Variable> {
    let mut vars: Vec<Variable> = fields
        .iter()
        .map(|f| Variable {
            name: f.name.clone(),
            ty: cel_type(&f.kind),
            enum_values: match &f.kind {
                FieldType::Enum(values) => Some(values.clone()),
                _ => None,
            },
            describe: format!("{} field `{}`", f.kind.name(), f.name),
        })
        .collect();
    vars.push(Variable {
        name: "actor".into(),
        ty: CelType::Map(Box::new(CelType::String), Box::new(CelType::Dyn)),
        enum_values: None,
        describe: "`actor` (the person acting: id, roles, department and attributes)".into(),
    });
    vars.push(Variable {
        name: "requester".into(),
        ty: CelType::String,
        enum_values: None,
        describe: "`requester` (the id of whoever started the instance)".into(),
    });
    vars.push(Variable {
        name: "now".into(),
        ty: CelType::String,
        enum_values: None,
        describe: "`now` (the time of the step being decided, RFC 3339 in the workflow's time zone)".into(),
    });
    vars.push(Variable {
        name: "instance".into(),
        ty: CelType::Map(Box::new(CelType::String), Box::new(CelType::String)),
        enum_values: None,
        describe: "`instance` (`instance.started_at`, when it started, RFC 3339 in the workflow's time zone)".into(),
    });
    vars
}
