//! A serde deserializer over the positioned YAML tree, so a file is parsed once and every error
//! carries the path and the span of the node it is about.

use std::fmt;

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use crate::syntax::source_map::{Node, NodeKind, PathSegment, Span, YamlPath};

/// A deserialization error: what serde said, where, and at which path.
#[derive(Debug, Clone)]
pub(crate) struct Error {
    pub(crate) message: String,
    pub(crate) span: Option<Span>,
    /// Segments collected on the way out, innermost last once reversed.
    reversed_path: Vec<PathSegment>,
}

impl Error {
    pub(crate) fn path(&self) -> YamlPath {
        YamlPath(self.reversed_path.iter().rev().cloned().collect())
    }

    fn at(mut self, span: Span) -> Self {
        self.span.get_or_insert(span);
        self
    }

    fn under(mut self, segment: PathSegment) -> Self {
        self.reversed_path.push(segment);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error { message: msg.to_string(), span: None, reversed_path: Vec::new() }
    }
}

/// Deserialize `T` from the tree rooted at `node`.
pub(crate) fn from_node<'de, T: de::Deserialize<'de>>(node: &'de Node) -> Result<T, Error> {
    T::deserialize(NodeDeserializer(node))
}

#[derive(Clone, Copy)]
struct NodeDeserializer<'a>(&'a Node);

/// What a plain scalar means under the YAML 1.2 core schema.
enum Plain<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'a str),
}

fn resolve_plain(text: &str) -> Plain<'_> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Plain::Null,
        "true" | "True" | "TRUE" => return Plain::Bool(true),
        "false" | "False" | "FALSE" => return Plain::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Plain::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Plain::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Plain::Float(f64::NAN),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(u) = text.strip_prefix('+').unwrap_or(text).parse::<u64>() {
            return Plain::Uint(u);
        }
        if let Ok(i) = text.parse::<i64>() {
            return Plain::Int(i);
        }
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if let Ok(u) = u64::from_str_radix(hex, 16) {
            return Plain::Uint(u);
        }
    }
    if let Some(oct) = text.strip_prefix("0o") {
        if let Ok(u) = u64::from_str_radix(oct, 8) {
            return Plain::Uint(u);
        }
    }
    let looks_numeric = digits.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && digits.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if looks_numeric {
        if let Ok(f) = text.parse::<f64>() {
            return Plain::Float(f);
        }
    }
    Plain::Str(text)
}

impl<'de> NodeDeserializer<'de> {
    fn unexpected(&self) -> de::Unexpected<'de> {
        match &self.0.kind {
            NodeKind::Map(_) => de::Unexpected::Map,
            NodeKind::Seq(_) => de::Unexpected::Seq,
            NodeKind::Scalar { text, plain: false } => de::Unexpected::Str(text),
            NodeKind::Scalar { text, plain: true } => match resolve_plain(text) {
                Plain::Null => de::Unexpected::Unit,
                Plain::Bool(b) => de::Unexpected::Bool(b),
                Plain::Int(i) => de::Unexpected::Signed(i),
                Plain::Uint(u) => de::Unexpected::Unsigned(u),
                Plain::Float(f) => de::Unexpected::Float(f),
                Plain::Str(s) => de::Unexpected::Str(s),
            },
        }
    }

    fn fail<V>(&self, expected: &dyn de::Expected) -> Result<V, Error> {
        Err(<Error as de::Error>::invalid_type(self.unexpected(), expected).at(self.0.span))
    }

    fn is_null(&self) -> bool {
        matches!(&self.0.kind, NodeKind::Scalar { text, plain: true } if matches!(resolve_plain(text), Plain::Null))
    }
}

macro_rules! via_any {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.deserialize_any(visitor)
        })*
    };
}

impl<'de> de::Deserializer<'de> for NodeDeserializer<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let span = self.0.span;
        let result = match &self.0.kind {
            NodeKind::Map(entries) => visitor.visit_map(MapAccess { entries, next: 0, value: None }),
            NodeKind::Seq(items) => visitor.visit_seq(SeqAccess { items, next: 0 }),
            NodeKind::Scalar { text, plain: false } => visitor.visit_borrowed_str(text),
            NodeKind::Scalar { text, plain: true } => match resolve_plain(text) {
                Plain::Null => visitor.visit_unit(),
                Plain::Bool(b) => visitor.visit_bool(b),
                Plain::Int(i) => visitor.visit_i64(i),
                Plain::Uint(u) => visitor.visit_u64(u),
                Plain::Float(f) => visitor.visit_f64(f),
                Plain::Str(s) => visitor.visit_borrowed_str(s),
            },
        };
        result.map_err(|e| e.at(span))
    }

    via_any! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_bytes deserialize_byte_buf
    }

    /// A text wanted where a plain number or boolean was written is taken as written: a title of
    /// `2024` is the text "2024".
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.kind {
            NodeKind::Scalar { text, .. } if !self.is_null() => {
                visitor.visit_borrowed_str(text).map_err(|e: Error| e.at(self.0.span))
            }
            _ => self.fail(&visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.is_null() {
            visitor.visit_unit()
        } else {
            self.fail(&visitor)
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.kind {
            NodeKind::Seq(_) => self.deserialize_any(visitor),
            _ => self.fail(&visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match &self.0.kind {
            NodeKind::Map(_) => self.deserialize_any(visitor),
            _ => self.fail(&visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match &self.0.kind {
            NodeKind::Scalar { text, .. } => {
                let text: &str = text;
                visitor.visit_enum(text.into_deserializer()).map_err(|e: Error| e.at(self.0.span))
            }
            _ => self.fail(&visitor),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

struct MapAccess<'a> {
    entries: &'a [crate::syntax::source_map::Entry],
    next: usize,
    value: Option<&'a crate::syntax::source_map::Entry>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        let Some(entry) = self.entries.get(self.next) else { return Ok(None) };
        self.next += 1;
        self.value = Some(entry);
        let key: &str = &entry.key;
        seed.deserialize(key.into_deserializer())
            .map(Some)
            .map_err(|e: Error| e.at(entry.key_span).under(PathSegment::Key(entry.key.clone())))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let entry = self.value.take().ok_or_else(|| <Error as de::Error>::custom("a value without its key"))?;
        seed.deserialize(NodeDeserializer(&entry.value)).map_err(|e| e.under(PathSegment::Key(entry.key.clone())))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len() - self.next)
    }
}

struct SeqAccess<'a> {
    items: &'a [Node],
    next: usize,
}

impl<'de> de::SeqAccess<'de> for SeqAccess<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        let Some(item) = self.items.get(self.next) else { return Ok(None) };
        let index = self.next;
        self.next += 1;
        seed.deserialize(NodeDeserializer(item)).map(Some).map_err(|e| e.under(PathSegment::Index(index)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::source_map::SourceMap;
    use indexmap::IndexMap;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Sample {
        name: String,
        count: u32,
        ratio: Option<f64>,
        flags: Vec<bool>,
        #[serde(default)]
        extra: IndexMap<String, String>,
    }

    fn parse<T: for<'a> Deserialize<'a>>(text: &str) -> Result<T, Error> {
        let map = SourceMap::read(text).unwrap();
        from_node(map.root())
    }

    #[test]
    fn reads_typed_scalars_and_takes_plain_numbers_as_text_where_text_is_wanted() {
        let s: Sample = parse("name: 2024\ncount: 3\nratio: ~\nflags: [true, False]\nextra: {a: 1}\n").unwrap();
        assert_eq!(
            s,
            Sample {
                name: "2024".into(),
                count: 3,
                ratio: None,
                flags: vec![true, false],
                extra: [("a".to_owned(), "1".to_owned())].into()
            }
        );
    }

    #[test]
    fn errors_carry_the_path_and_the_span() {
        let text = "name: x\ncount: many\nflags: []\n";
        let e = parse::<Sample>(text).unwrap_err();
        assert_eq!(e.path().to_string(), "count");
        let span = e.span.unwrap();
        assert_eq!((span.line, &text[span.start..span.end]), (2, "many"));
        let e = parse::<Sample>("name: x\ncount: 1\nflags: [true, 3]\n").unwrap_err();
        assert_eq!(e.path().to_string(), "flags[1]");
        let e = parse::<Sample>("name: x\ncount: 1\nflags: []\ncolour: red\n").unwrap_err();
        assert_eq!(e.path().to_string(), "colour");
        assert!(e.message.starts_with("unknown field `colour`"), "{}", e.message);
        assert_eq!(e.span.unwrap().line, 4);
    }

    #[test]
    fn quoted_scalars_are_text() {
        let v: serde_json::Value = parse("a: '12'\nb: 12\nc: \"true\"\nd: 1.5\n").unwrap();
        assert_eq!(v, serde_json::json!({"a": "12", "b": 12, "c": "true", "d": 1.5}));
    }
}
