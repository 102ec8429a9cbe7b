//! Values of typed fields: whether a JSON value fits a field's type, with a sentence saying why
//! not. Used for schedule data at validation and for every action's input at run time.

use chrono::{DateTime, NaiveDate};
use serde_json::Value;

use crate::model::workflow::FieldType;

/// Check that `value` fits `kind`.
///
/// # Errors
/// A sentence naming what was expected, e.g. "expected one of `general`, `major`".
pub fn check_value(kind: &FieldType, value: &Value) -> Result<(), String> {
    let fail = |expected: &str| Err(format!("expected {expected}, found {}", describe(value)));
    match (kind, value) {
        (FieldType::String, Value::String(_)) => Ok(()),
        (FieldType::String, _) => fail("text"),
        (FieldType::Integer, Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(()),
        (FieldType::Integer, _) => fail("a whole number"),
        (FieldType::Decimal | FieldType::Money, Value::Number(_)) => Ok(()),
        (FieldType::Decimal | FieldType::Money, Value::String(s)) if is_decimal(s) => Ok(()),
        (FieldType::Decimal | FieldType::Money, _) => fail("a number such as `1250.50`"),
        (FieldType::Boolean, Value::Bool(_)) => Ok(()),
        (FieldType::Boolean, _) => fail("`true` or `false`"),
        (FieldType::Date, Value::String(s)) if NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() => Ok(()),
        (FieldType::Date, _) => fail("a date `YYYY-MM-DD`"),
        (FieldType::Datetime, Value::String(s)) if DateTime::parse_from_rfc3339(s).is_ok() => Ok(()),
        (FieldType::Datetime, _) => fail("a date and time such as `2026-03-01T14:00:00+08:00`"),
        (FieldType::Enum(values), Value::String(s)) if values.contains(s) => Ok(()),
        (FieldType::Enum(values), _) => fail(&format!("one of {}", ticked(values.iter()))),
        (FieldType::List(inner), Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_value(inner, item).map_err(|e| format!("item {}: {e}", i + 1))?;
            }
            Ok(())
        }
        (FieldType::List(_), _) => fail("a list"),
        (FieldType::Checklist(items), Value::Object(answers)) => {
            for (key, answer) in answers {
                if !items.iter().any(|(id, _)| id == key) {
                    return Err(format!(
                        "`{key}` is not an item; the items are {}",
                        ticked(items.iter().map(|(id, _)| id))
                    ));
                }
                if !answer.is_boolean() {
                    return Err(format!("item `{key}`: expected `true` or `false`, found {}", describe(answer)));
                }
            }
            Ok(())
        }
        (FieldType::Checklist(_), _) => fail("a mapping of checklist items to `true` or `false`"),
    }
}

fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or_default();
    let frac = parts.next();
    !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
}

fn ticked<'a>(items: impl Iterator<Item = &'a String>) -> String {
    items.map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

fn describe(value: &Value) -> String {
    match value {
        Value::Null => "nothing".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the text \"{s}\""),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::check_value;
    use crate::model::workflow::FieldType;
    use serde_json::json;

    #[test]
    fn values_fit_their_types() {
        assert!(check_value(&FieldType::Money, &json!(12.5)).is_ok());
        assert!(check_value(&FieldType::Money, &json!("1250.50")).is_ok());
        assert!(check_value(&FieldType::Money, &json!("lots")).unwrap_err().contains("the text \"lots\""));
        assert!(check_value(&FieldType::Integer, &json!(2.5)).is_err());
        assert!(check_value(&FieldType::Date, &json!("2026-02-30")).is_err());
        assert!(check_value(&FieldType::Datetime, &json!("2026-03-01T14:00:00+08:00")).is_ok());
        let severity = FieldType::Enum(vec!["general".into(), "major".into()]);
        assert_eq!(
            check_value(&severity, &json!("urgent")).unwrap_err(),
            "expected one of `general`, `major`, found the text \"urgent\""
        );
        let list = FieldType::List(Box::new(FieldType::Integer));
        assert_eq!(
            check_value(&list, &json!([1, "x"])).unwrap_err(),
            "item 2: expected a whole number, found the text \"x\""
        );
        let checklist = FieldType::Checklist(vec![("site".into(), "部位".into())]);
        assert!(check_value(&checklist, &json!({"site": true})).is_ok());
        assert!(check_value(&checklist, &json!({"sight": true})).unwrap_err().contains("not an item"));
    }
}
