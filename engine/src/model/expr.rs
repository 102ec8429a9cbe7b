//! Guard and data expressions: CEL source compiled once and type-checked against the declared fields.
//! Runtime evaluation trusts what this module accepted.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use cel::common::ast::{
    operators, CallExpr, ComprehensionExpr, EntryExpr, Expr as Node, IdedExpr, LiteralValue, SelectExpr, SourceInfo,
};
use cel::{ParseError, ParseErrors, Program};

/// The longest source accepted, in characters. cel's parser recurses once per
/// link of a chain such as `1 + 1 + …` or `a.b.c…` without a limit of its own,
/// and a 100 KB chain overflows the stack.
pub const MAX_SOURCE_CHARS: usize = 4096;

/// The deepest nesting of brackets accepted, checked before parsing so that
/// the message is ours rather than the parser's.
pub const MAX_NESTING: usize = 64;

/// The deepest syntax tree accepted. Evaluation recurses once per level, and a
/// chain of about 2,000 `+` already overflows a 2 MiB thread stack; this keeps
/// both the checker and the runtime far from that.
pub const MAX_DEPTH: usize = 128;

/// The static type of a CEL value, as far as the checker can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CelType {
    Bool,
    Int,
    Double,
    String,
    Null,
    List(Box<CelType>),
    Map(Box<CelType>, Box<CelType>),
    /// Unknown until run time: accepted wherever a value is.
    Dyn,
}

impl CelType {
    fn is_numeric(&self) -> bool {
        matches!(self, CelType::Int | CelType::Double)
    }

    fn is_bool_like(&self) -> bool {
        matches!(self, CelType::Bool | CelType::Dyn)
    }

    /// The type with its article, for messages: "an int", "a list(string)".
    pub(crate) fn article(&self) -> String {
        match self {
            CelType::Int => "an int".to_string(),
            CelType::Null => "null".to_string(),
            CelType::Dyn => "a value of any type".to_string(),
            other => format!("a {other}"),
        }
    }
}

impl fmt::Display for CelType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CelType::Bool => f.write_str("bool"),
            CelType::Int => f.write_str("int"),
            CelType::Double => f.write_str("double"),
            CelType::String => f.write_str("string"),
            CelType::Null => f.write_str("null"),
            CelType::List(element) => write!(f, "list({element})"),
            CelType::Map(key, value) => write!(f, "map({key}, {value})"),
            CelType::Dyn => f.write_str("dyn"),
        }
    }
}

/// A name an expression may read, with its type.
#[derive(Debug, Clone)]
pub struct Variable {
    pub name: String,
    pub ty: CelType,
    /// The values a string field may take, checked against the literals it is
    /// compared with.
    pub enum_values: Option<Vec<String>>,
    /// How messages refer to it, e.g. "money field `amount`".
    pub describe: String,
}

/// A problem found in an expression.
///
/// Offsets are character offsets `(start, end)` into the expression source,
/// `end` exclusive; `None` when cel does not say where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    #[error("{message}")]
    Syntax { message: String, offset: Option<(usize, usize)> },
    #[error("undeclared name `{name}`")]
    Undeclared { name: String, suggestion: Option<String>, offset: Option<(usize, usize)> },
    #[error("unknown function `{name}`")]
    UnknownFunction { name: String, suggestion: Option<String>, offset: Option<(usize, usize)> },
    #[error("{message}")]
    Type { message: String, offset: Option<(usize, usize)> },
    #[error("`{value}` is not a value of {field}")]
    EnumValue { field: String, value: String, values: Vec<String>, offset: Option<(usize, usize)> },
}

impl ExprError {
    /// Where in the expression source the problem is, whatever its kind.
    pub fn offset(&self) -> Option<(usize, usize)> {
        match self {
            ExprError::Syntax { offset, .. }
            | ExprError::Undeclared { offset, .. }
            | ExprError::UnknownFunction { offset, .. }
            | ExprError::Type { offset, .. }
            | ExprError::EnumValue { offset, .. } => *offset,
        }
    }
}

/// A function the runtime provides beyond the built-in ones.
///
/// A call `f(a, b)` and a member call `a.f(b)` both match `args: [A, B]`. An
/// argument declared `Dyn` accepts anything. A signature named like a built-in
/// replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionSig {
    pub name: &'static str,
    pub args: Vec<CelType>,
    pub result: CelType,
}

/// A literal element of a map key or list argument (`None` when it is computed), and where it is.
pub type LiteralAt = (Option<String>, Option<(usize, usize)>);

/// An argument of a call to an extra function, as far as it is known before run time: the
/// resolver checks that a query names its workflow and fields literally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallArg {
    /// A string literal.
    Str(String),
    /// A map literal: its keys, `None` where a key is not a string literal, with their offsets.
    Map(Vec<LiteralAt>),
    /// A list literal: its elements, `None` where one is not a string literal, with their offsets.
    List(Vec<LiteralAt>),
    /// Anything computed.
    Computed,
}

/// A call to one of the extra functions an expression was compiled with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSite {
    /// The function called.
    pub name: &'static str,
    /// Its arguments.
    pub args: Vec<CallArg>,
    /// Where each argument is in the source.
    pub offsets: Vec<Option<(usize, usize)>>,
    /// Where the call is.
    pub offset: Option<(usize, usize)>,
}

/// A compiled and type-checked expression.
pub struct Expr {
    source: String,
    program: Program,
    result: CelType,
    names: Vec<String>,
    calls: Vec<CallSite>,
}

impl Expr {
    /// Compiles `source` and checks it against `vars`, with the built-in
    /// functions only.
    pub fn compile(source: &str, vars: &[Variable]) -> Result<Expr, Vec<ExprError>> {
        Expr::compile_with(source, vars, &[])
    }

    /// Compiles `source` and checks it against `vars`, `extra_functions` being
    /// callable too. Every problem found is returned, not just the first.
    pub fn compile_with(
        source: &str,
        vars: &[Variable],
        extra_functions: &[FunctionSig],
    ) -> Result<Expr, Vec<ExprError>> {
        if source.trim().is_empty() {
            return Err(vec![ExprError::Syntax { message: "empty expression".to_string(), offset: None }]);
        }
        precheck(source)?;
        let program = Program::compile(source).map_err(|e| syntax_errors(source, &e))?;
        let (result, names, calls, errors) = {
            let mut checker = Checker::new(vars, extra_functions, program.source_info());
            let result = checker.check(program.expression(), 0);
            let mut errors = checker.errors;
            // Errors outside a cut-off subtree are real but, in a chain that
            // long, only noise next to the one thing to fix.
            if checker.too_deep {
                errors.retain(|e| matches!(e, ExprError::Syntax { .. }));
            }
            (result, checker.names, checker.calls, errors)
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Expr { source: source.to_string(), program, result, names: names.into_iter().collect(), calls })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn result_type(&self) -> &CelType {
        &self.result
    }

    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The declared variables the expression reads, sorted, without repeats.
    pub fn names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// The calls to extra functions, in source order.
    pub fn calls(&self) -> &[CallSite] {
        &self.calls
    }

    /// Whether the expression calls the extra function `name`.
    pub fn calls_function(&self, name: &str) -> bool {
        self.calls.iter().any(|c| c.name == name)
    }
}

impl fmt::Debug for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Expr").field("source", &self.source).field("result_type", &self.result).finish_non_exhaustive()
    }
}

/// Rejects what would overflow cel's parser before it runs.
fn precheck(source: &str) -> Result<(), Vec<ExprError>> {
    let chars = source.chars().count();
    if chars > MAX_SOURCE_CHARS {
        return Err(vec![ExprError::Syntax {
            message: format!("expression is too long: {chars} characters, the limit is {MAX_SOURCE_CHARS}"),
            offset: None,
        }]);
    }
    if let Some(at) = too_deep_bracket(source) {
        return Err(vec![ExprError::Syntax {
            message: format!("expression is nested too deeply: more than {MAX_NESTING} brackets"),
            offset: Some((at, at + 1)),
        }]);
    }
    Ok(())
}

/// The character offset of the first bracket nested deeper than
/// [`MAX_NESTING`], brackets in string literals and comments not counting. Only an
/// estimate on malformed input: the parser has the last word.
fn too_deep_bracket(source: &str) -> Option<usize> {
    let chars: Vec<char> = source.chars().collect();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '"' | '\'' => {
                i = skip_string(&chars, i);
                continue;
            }
            '/' if chars.get(i + 1) == Some(&'/') => {
                while chars.get(i).is_some_and(|c| *c != '\n') {
                    i += 1;
                }
                continue;
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The index just past the string literal opening at `start`.
fn skip_string(chars: &[char], start: usize) -> usize {
    let Some(&quote) = chars.get(start) else {
        return chars.len();
    };
    let raw = start.checked_sub(1).and_then(|p| chars.get(p)).is_some_and(|c| matches!(c, 'r' | 'R'));
    let is_quote = |i: usize| chars.get(i) == Some(&quote);
    let triple = is_quote(start + 1) && is_quote(start + 2);
    let mut i = start + if triple { 3 } else { 1 };
    while let Some(&c) = chars.get(i) {
        if c == '\\' && !raw {
            i += 2;
            continue;
        }
        if c == quote {
            if !triple {
                return i + 1;
            }
            if is_quote(i + 1) && is_quote(i + 2) {
                return i + 3;
            }
        }
        // An unterminated single-line string ends at the line, as for the lexer.
        if c == '\n' && !triple {
            return i + 1;
        }
        i += 1;
    }
    chars.len()
}

/// cel's parse errors as ours, with character offsets.
fn syntax_errors(source: &str, errors: &ParseErrors) -> Vec<ExprError> {
    // The errors after a recursion limit are the parser giving up, not news.
    if let Some(e) = errors.errors.iter().find(|e| e.msg.contains("Recursion limit of")) {
        return vec![ExprError::Syntax {
            message: "expression is nested too deeply".to_string(),
            offset: parse_error_offset(source, e),
        }];
    }
    let mut out: Vec<ExprError> = Vec::new();
    for e in &errors.errors {
        let message = match e.msg.strip_prefix("Syntax error: ") {
            Some(rest) => rest.to_string(),
            None if e.msg == "UNKNOWN" => {
                e.source.as_ref().map_or_else(|| "invalid expression".to_string(), |s| s.to_string())
            }
            None => e.msg.clone(),
        };
        let error = ExprError::Syntax { message, offset: parse_error_offset(source, e) };
        if !out.contains(&error) {
            out.push(error);
        }
    }
    if out.is_empty() {
        out.push(ExprError::Syntax { message: "invalid expression".to_string(), offset: None });
    }
    out
}

/// Whether a line and column count characters or bytes.
#[derive(Clone, Copy)]
enum Unit {
    Char,
    Byte,
}

fn parse_error_offset(source: &str, e: &ParseError) -> Option<(usize, usize)> {
    // The lexer and parser listeners count columns in characters; macro errors
    // compute theirs from byte offsets; errors tied to a node carry its bytes.
    if e.msg.starts_with("Syntax error:") {
        return line_col(source, e.pos, Unit::Char);
    }
    if e.expr_id != 0 {
        let span = e.source_info.as_ref().and_then(|i| i.offset_for(e.expr_id));
        if let Some((start, stop)) = span {
            return Some(byte_span(source, start, stop));
        }
    }
    line_col(source, e.pos, Unit::Byte)
}

/// The index of the character holding byte `byte`; the character count past
/// the end.
fn char_index(source: &str, byte: usize) -> usize {
    if byte >= source.len() {
        return source.chars().count();
    }
    source.char_indices().take_while(|(i, _)| *i <= byte).count().saturating_sub(1)
}

/// cel's inclusive byte range as an exclusive character range.
fn byte_span(source: &str, start: u32, stop: u32) -> (usize, usize) {
    let start = char_index(source, start as usize);
    let end = char_index(source, stop as usize).saturating_add(1);
    let total = source.chars().count();
    (start.min(total), end.clamp(start.min(total), total))
}

/// A 1-based line and column as a one-character range.
fn line_col(source: &str, (line, col): (isize, isize), unit: Unit) -> Option<(usize, usize)> {
    let line = usize::try_from(line).ok().filter(|l| *l >= 1)?;
    let col = usize::try_from(col).ok().filter(|c| *c >= 1)? - 1;
    let total = source.chars().count();
    let mut base = 0;
    for (n, text) in source.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            let within = match unit {
                Unit::Char => col,
                Unit::Byte => char_index(text, col),
            };
            let at = (base + within).min(total);
            return Some((at, (at + 1).min(total)));
        }
        base += text.chars().count();
    }
    Some((total, total))
}

/// The built-in functions, for suggestions.
const BUILTINS: &[&str] = &[
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "int",
    "double",
    "string",
    "bool",
    "dyn",
    "max",
    "min",
    "has",
    "all",
    "exists",
    "exists_one",
    "map",
    "filter",
];

/// The closest of `candidates` to `wanted`, if close enough to be a typo.
fn suggest<'n>(wanted: &str, candidates: impl Iterator<Item = &'n str>) -> Option<String> {
    let limit = (wanted.chars().count() / 3).max(2);
    candidates
        .filter(|c| !c.starts_with('@') && *c != wanted)
        .map(|c| (strsim::damerau_levenshtein(wanted, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.to_string())
}

/// The type of both a value of `a` and one of `b`.
fn join(a: &CelType, b: &CelType) -> CelType {
    match (a, b) {
        _ if a == b => a.clone(),
        (CelType::List(x), CelType::List(y)) => CelType::List(Box::new(join(x, y))),
        (CelType::Map(k1, v1), CelType::Map(k2, v2)) => CelType::Map(Box::new(join(k1, k2)), Box::new(join(v1, v2))),
        _ => CelType::Dyn,
    }
}

/// Whether CEL accepts values of `ty` as map keys.
fn is_key_type(ty: &CelType) -> bool {
    matches!(ty, CelType::Int | CelType::String | CelType::Bool | CelType::Dyn)
}

/// Whether `==` between the two can ever be true.
fn comparable(a: &CelType, b: &CelType) -> bool {
    match (a, b) {
        _ if a == b => true,
        (CelType::Dyn, _) | (_, CelType::Dyn) | (CelType::Null, _) | (_, CelType::Null) => true,
        (CelType::List(x), CelType::List(y)) => comparable(x, y),
        (CelType::Map(k1, v1), CelType::Map(k2, v2)) => comparable(k1, k2) && comparable(v1, v2),
        _ => a.is_numeric() && b.is_numeric(),
    }
}

/// Whether a value of `arg` can be passed where `param` is declared.
fn assignable(param: &CelType, arg: &CelType) -> bool {
    match (param, arg) {
        (CelType::Dyn, _) | (_, CelType::Dyn) => true,
        (CelType::List(p), CelType::List(a)) => assignable(p, a),
        (CelType::Map(pk, pv), CelType::Map(ak, av)) => assignable(pk, ak) && assignable(pv, av),
        _ => param == arg,
    }
}

/// How an operator is written, for messages.
fn symbol(func_name: &str) -> &str {
    match func_name {
        operators::INDEX => "[]",
        operators::CONDITIONAL => "? :",
        operators::IN => "in",
        other => other.trim_matches('_'),
    }
}

/// The integer literal `e` is, negated or not.
fn int_literal(e: &IdedExpr) -> Option<i64> {
    match &e.expr {
        Node::Literal(LiteralValue::Int(i)) => Some(*i.inner()),
        Node::Literal(LiteralValue::UInt(u)) => i64::try_from(*u.inner()).ok(),
        Node::Call(c) if c.func_name == operators::NEGATE => {
            c.args.first().and_then(int_literal).and_then(i64::checked_neg)
        }
        _ => None,
    }
}

/// The whole-number double literal `e` is, negated or not.
fn whole_double_literal(e: &IdedExpr) -> Option<f64> {
    match &e.expr {
        Node::Literal(LiteralValue::Double(d)) if d.inner().fract() == 0.0 => Some(*d.inner()),
        Node::Call(c) if c.func_name == operators::NEGATE => c.args.first().and_then(whole_double_literal).map(|d| -d),
        _ => None,
    }
}

struct Checker<'a> {
    vars: &'a [Variable],
    extra: &'a [FunctionSig],
    info: &'a SourceInfo,
    /// Comprehension variables, innermost last.
    scopes: Vec<(String, CelType)>,
    /// Macro conditions by node id, so a non-bool one is reported in the
    /// user's terms rather than those of the `&&` the macro expanded to.
    predicates: HashMap<u64, &'static str>,
    /// Every node's type, read back for the element a `map` appends.
    types: HashMap<u64, CelType>,
    names: BTreeSet<String>,
    calls: Vec<CallSite>,
    errors: Vec<ExprError>,
    too_deep: bool,
}

impl<'a> Checker<'a> {
    fn new(vars: &'a [Variable], extra: &'a [FunctionSig], info: &'a SourceInfo) -> Self {
        Checker {
            vars,
            extra,
            info,
            scopes: Vec::new(),
            predicates: HashMap::new(),
            types: HashMap::new(),
            names: BTreeSet::new(),
            calls: Vec::new(),
            errors: Vec::new(),
            too_deep: false,
        }
    }

    fn offset(&self, id: u64) -> Option<(usize, usize)> {
        let (start, stop) = self.info.offset_for(id)?;
        Some(byte_span(&self.info.source, start, stop))
    }

    /// The span of the dotted `name` written around `at`, which points inside it.
    fn whole_name(&self, name: &str, at: (usize, usize)) -> (usize, usize) {
        let chars: Vec<char> = self.info.source.chars().collect();
        let wanted: Vec<char> = name.chars().collect();
        (0..=chars.len().saturating_sub(wanted.len()))
            .filter(|&i| chars[i..].starts_with(&wanted))
            .find(|&i| i <= at.0 && at.0 < i + wanted.len())
            .map_or(at, |i| (i, i + wanted.len()))
    }

    fn type_error(&mut self, id: u64, message: String) {
        let offset = self.offset(id);
        self.errors.push(ExprError::Type { message, offset });
    }

    fn bound(&self, name: &str) -> Option<&CelType> {
        self.scopes.iter().rev().find(|(n, _)| n == name).map(|(_, t)| t)
    }

    fn var(&self, name: &str) -> Option<&'a Variable> {
        self.vars.iter().find(|v| v.name == name)
    }

    /// The dotted name `e` spells, if it is an identifier or field selections
    /// on one.
    fn dotted(e: &IdedExpr) -> Option<(String, &str)> {
        let mut fields: Vec<&str> = Vec::new();
        let mut at = e;
        loop {
            match &at.expr {
                Node::Ident(root) => {
                    let mut name = root.clone();
                    for field in fields.iter().rev() {
                        name.push('.');
                        name.push_str(field);
                    }
                    return Some((name, root.as_str()));
                }
                Node::Select(s) if !s.test => {
                    fields.push(s.field.as_str());
                    at = &s.operand;
                }
                _ => return None,
            }
        }
    }

    /// The declared variable `e` reads as a whole, as the runtime resolves
    /// qualified names such as `input.amount` to a variable of that name.
    fn declared(&self, e: &IdedExpr) -> Option<&'a Variable> {
        let (name, root) = Self::dotted(e)?;
        if self.bound(root).is_some() {
            return None;
        }
        self.var(&name)
    }

    /// How messages name `e`, if it has a name.
    fn name_of(&self, e: &IdedExpr) -> Option<String> {
        if let Some(var) = self.declared(e) {
            return Some(var.describe.clone());
        }
        Self::dotted(e).map(|(name, _)| format!("`{name}`"))
    }

    /// `e` of type `ty` in a message: "money field `amount` (double)", "a string".
    fn describe(&self, e: &IdedExpr, ty: &CelType) -> String {
        match self.name_of(e) {
            Some(name) => format!("{name} ({ty})"),
            None => ty.article(),
        }
    }

    /// What a message says `e` is: "money field `amount`", "`true`".
    fn subject(&self, e: &IdedExpr) -> String {
        if let Some(name) = self.name_of(e) {
            return name;
        }
        let literal = match &e.expr {
            Node::Literal(LiteralValue::Boolean(b)) => b.inner().to_string(),
            Node::Literal(LiteralValue::Int(i)) => i.inner().to_string(),
            Node::Literal(LiteralValue::UInt(u)) => format!("{}u", u.inner()),
            Node::Literal(LiteralValue::Double(d)) => format!("{:?}", d.inner()),
            Node::Literal(LiteralValue::String(s)) => format!("{:?}", s.inner()),
            Node::Literal(LiteralValue::Null) => "null".to_string(),
            _ => return "this value".to_string(),
        };
        format!("`{literal}`")
    }

    fn check(&mut self, e: &IdedExpr, depth: usize) -> CelType {
        if depth > MAX_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                let offset = self.offset(e.id);
                self.errors.push(ExprError::Syntax {
                    message: format!("expression is nested too deeply: more than {MAX_DEPTH} levels"),
                    offset,
                });
            }
            return CelType::Dyn;
        }
        let ty = match &e.expr {
            Node::Unspecified => CelType::Dyn,
            Node::Ident(name) => self.ident(e.id, name),
            Node::Literal(literal) => match literal {
                LiteralValue::Boolean(_) => CelType::Bool,
                LiteralValue::Int(_) | LiteralValue::UInt(_) => CelType::Int,
                LiteralValue::Double(_) => CelType::Double,
                LiteralValue::String(_) => CelType::String,
                LiteralValue::Null => CelType::Null,
                LiteralValue::Bytes(_) => CelType::Dyn,
            },
            Node::Select(select) => self.select(e, select, depth),
            Node::List(list) => {
                let mut element: Option<CelType> = None;
                for item in &list.elements {
                    let ty = self.check(item, depth + 1);
                    element = Some(match element {
                        None => ty,
                        Some(so_far) => join(&so_far, &ty),
                    });
                }
                CelType::List(Box::new(element.unwrap_or(CelType::Dyn)))
            }
            Node::Map(map) => {
                for entry in &map.entries {
                    match &entry.expr {
                        EntryExpr::MapEntry(entry) => {
                            let key = self.check(&entry.key, depth + 1);
                            if !is_key_type(&key) {
                                let message = format!(
                                    "a map key must be an int, a string or a bool, not {}",
                                    self.describe(&entry.key, &key)
                                );
                                self.type_error(entry.key.id, message);
                            }
                            self.check(&entry.value, depth + 1);
                        }
                        EntryExpr::StructField(field) => {
                            self.check(&field.value, depth + 1);
                        }
                    }
                }
                CelType::Map(Box::new(CelType::Dyn), Box::new(CelType::Dyn))
            }
            Node::Struct(s) => {
                for entry in &s.entries {
                    match &entry.expr {
                        EntryExpr::StructField(field) => self.check(&field.value, depth + 1),
                        EntryExpr::MapEntry(entry) => self.check(&entry.value, depth + 1),
                    };
                }
                let message = format!("`{}{{…}}` builds a message, and no message types are declared", s.type_name);
                self.type_error(e.id, message);
                CelType::Dyn
            }
            Node::Comprehension(c) => self.comprehension(e, c, depth),
            Node::Call(call) => self.call(e, call, depth),
        };
        self.types.insert(e.id, ty.clone());
        ty
    }

    fn ident(&mut self, id: u64, name: &str) -> CelType {
        if let Some(ty) = self.bound(name) {
            return ty.clone();
        }
        if let Some(var) = self.var(name) {
            self.names.insert(var.name.clone());
            return var.ty.clone();
        }
        let in_scope = self.scopes.iter().map(|(n, _)| n.as_str());
        let suggestion = suggest(name, in_scope.chain(self.vars.iter().map(|v| v.name.as_str())));
        let offset = self.offset(id);
        self.errors.push(ExprError::Undeclared { name: name.to_string(), suggestion, offset });
        CelType::Dyn
    }

    fn select(&mut self, e: &IdedExpr, s: &SelectExpr, depth: usize) -> CelType {
        if !s.test {
            if let Some(var) = self.declared(e) {
                self.names.insert(var.name.clone());
                return var.ty.clone();
            }
            // A namespace such as `params` is no variable itself: a name under it that is not
            // declared is reported whole, with the declared names under it to choose from.
            if let Some((name, root)) = Self::dotted(e) {
                let prefix = format!("{root}.");
                let under = || self.vars.iter().map(|v| v.name.as_str()).filter(|n| n.starts_with(&prefix));
                if self.bound(root).is_none() && self.var(root).is_none() && under().next().is_some() {
                    let suggestion = suggest(&name, under());
                    let offset = self.offset(e.id).map(|at| self.whole_name(&name, at));
                    self.errors.push(ExprError::Undeclared { name, suggestion, offset });
                    return CelType::Dyn;
                }
            }
        }
        let operand = self.check(&s.operand, depth + 1);
        let field = match operand {
            CelType::Map(_, value) => *value,
            CelType::Dyn => CelType::Dyn,
            other => {
                let message = format!("{} is {}; it has no fields", self.subject(&s.operand), other.article());
                self.type_error(e.id, message);
                CelType::Dyn
            }
        };
        if s.test {
            CelType::Bool
        } else {
            field
        }
    }

    fn comprehension(&mut self, e: &IdedExpr, c: &ComprehensionExpr, depth: usize) -> CelType {
        let range = self.check(&c.iter_range, depth + 1);
        let (first, second) = match (&range, c.iter_var2.is_some()) {
            (CelType::List(element), false) => ((**element).clone(), CelType::Dyn),
            (CelType::List(element), true) => (CelType::Int, (**element).clone()),
            (CelType::Map(key, value), _) => ((**key).clone(), (**value).clone()),
            (CelType::Dyn, _) => (CelType::Dyn, CelType::Dyn),
            (other, _) => {
                let message = format!(
                    "{} is {}; only a list or a map can be iterated",
                    self.subject(&c.iter_range),
                    other.article()
                );
                self.type_error(e.id, message);
                (CelType::Dyn, CelType::Dyn)
            }
        };
        let init = self.check(&c.accu_init, depth + 1);
        if let Some((name, id)) = macro_predicate(c) {
            self.predicates.insert(id, name);
        }
        let base = self.scopes.len();
        self.scopes.push((c.iter_var.clone(), first));
        if let Some(second_var) = &c.iter_var2 {
            self.scopes.push((second_var.clone(), second));
        }
        // Its type depends on the step, which reads it: any type until known.
        self.scopes.push((c.accu_var.clone(), CelType::Dyn));
        self.check(&c.loop_cond, depth + 1);
        let step = self.check(&c.loop_step, depth + 1);
        self.scopes.truncate(base);
        let accumulated = match appended(c) {
            Some(element) => CelType::List(Box::new(self.types.get(&element.id).cloned().unwrap_or(CelType::Dyn))),
            None => join(&init, &step),
        };
        self.scopes.push((c.accu_var.clone(), accumulated));
        let result = self.check(&c.result, depth + 1);
        self.scopes.truncate(base);
        result
    }

    fn call(&mut self, e: &IdedExpr, call: &CallExpr, depth: usize) -> CelType {
        let name = call.func_name.as_str();
        let is_operator = matches!(
            name,
            operators::LOGICAL_AND
                | operators::LOGICAL_OR
                | operators::LOGICAL_NOT
                | operators::NOT_STRICTLY_FALSE
                | operators::EQUALS
                | operators::NOT_EQUALS
                | operators::LESS
                | operators::LESS_EQUALS
                | operators::GREATER
                | operators::GREATER_EQUALS
                | operators::ADD
                | operators::SUBSTRACT
                | operators::MULTIPLY
                | operators::DIVIDE
                | operators::MODULO
                | operators::NEGATE
                | operators::INDEX
                | operators::IN
                | operators::CONDITIONAL
        );
        if !is_operator || call.target.is_some() {
            return self.function(e, call, depth);
        }
        let tys: Vec<CelType> = call.args.iter().map(|a| self.check(a, depth + 1)).collect();
        let args: Vec<(&IdedExpr, &CelType)> = call.args.iter().zip(tys.iter()).collect();
        match (name, args.as_slice()) {
            (operators::LOGICAL_AND | operators::LOGICAL_OR, _) => {
                for (arg, ty) in &args {
                    self.expect_bool(arg, ty, || format!("`{}` needs bool operands", symbol(name)));
                }
                CelType::Bool
            }
            (operators::LOGICAL_NOT, [(arg, ty)]) => {
                self.expect_bool(arg, ty, || "`!` needs a bool".to_string());
                CelType::Bool
            }
            (operators::NOT_STRICTLY_FALSE, _) => CelType::Bool,
            (operators::EQUALS | operators::NOT_EQUALS, [(l, lt), (r, rt)]) => {
                if comparable(lt, rt) {
                    self.enum_check(l, r);
                    self.enum_check(r, l);
                } else {
                    let message = format!("cannot compare {} with {}", self.describe(l, lt), self.describe(r, rt));
                    self.type_error(e.id, message);
                }
                CelType::Bool
            }
            (
                operators::LESS | operators::LESS_EQUALS | operators::GREATER | operators::GREATER_EQUALS,
                [(l, lt), (r, rt)],
            ) => {
                let orderable =
                    |t: &CelType| t.is_numeric() || matches!(t, CelType::String | CelType::Bool | CelType::Dyn);
                let ok = match (lt, rt) {
                    (CelType::Dyn, other) | (other, CelType::Dyn) => orderable(other),
                    _ => (lt.is_numeric() && rt.is_numeric()) || (lt == rt && orderable(lt)),
                };
                if !ok {
                    let message = format!(
                        "cannot compare {} with {} using `{}`",
                        self.describe(l, lt),
                        self.describe(r, rt),
                        symbol(name)
                    );
                    self.type_error(e.id, message);
                }
                CelType::Bool
            }
            (
                operators::ADD | operators::SUBSTRACT | operators::MULTIPLY | operators::DIVIDE | operators::MODULO,
                [(l, lt), (r, rt)],
            ) => self.arithmetic(e, name, (l, lt), (r, rt)),
            (operators::NEGATE, [(arg, ty)]) => match ty {
                CelType::Int | CelType::Double | CelType::Dyn => (*ty).clone(),
                other => {
                    let message = format!("cannot negate {}", self.describe(arg, other));
                    self.type_error(e.id, message);
                    CelType::Dyn
                }
            },
            (operators::INDEX, [(target, tt), (index, it)]) => self.index(e, (target, tt), (index, it)),
            (operators::IN, [(item, item_ty), (within, within_ty)]) => {
                let fits = match within_ty {
                    CelType::List(element) => Some(comparable(item_ty, element)),
                    CelType::Map(key, _) => Some(comparable(item_ty, key)),
                    CelType::Dyn => Some(true),
                    _ => None,
                };
                match fits {
                    Some(true) => {
                        if let Node::List(list) = &within.expr {
                            for element in &list.elements {
                                self.enum_check(item, element);
                            }
                        }
                    }
                    Some(false) => {
                        let message = format!(
                            "{} can never be in {}",
                            self.describe(item, item_ty),
                            self.describe(within, within_ty)
                        );
                        self.type_error(e.id, message);
                    }
                    None => {
                        let message = format!(
                            "`in` needs a list or a map on its right, not {}",
                            self.describe(within, within_ty)
                        );
                        self.type_error(e.id, message);
                    }
                }
                CelType::Bool
            }
            (operators::CONDITIONAL, [(cond, ct), (_, yes), (_, no)]) => {
                self.expect_bool(cond, ct, || "the condition of `? :` must be a bool".to_string());
                join(yes, no)
            }
            // The parser gives operators their arity; anything else is not ours to judge.
            _ => CelType::Dyn,
        }
    }

    /// Reports `arg` unless it is a bool, in the terms of the macro it is the
    /// condition of, if any.
    fn expect_bool(&mut self, arg: &IdedExpr, ty: &CelType, what: impl FnOnce() -> String) {
        if ty.is_bool_like() {
            return;
        }
        let what = match self.predicates.get(&arg.id) {
            Some(macro_name) => format!("the condition of `{macro_name}` must be a bool"),
            None => what(),
        };
        let message = format!("{what}, not {}", self.describe(arg, ty));
        self.type_error(arg.id, message);
    }

    /// Reports a string literal that `field` cannot hold, if it is an enum.
    fn enum_check(&mut self, field: &IdedExpr, literal: &IdedExpr) {
        let Some(var) = self.declared(field) else {
            return;
        };
        let Some(values) = &var.enum_values else {
            return;
        };
        let Node::Literal(LiteralValue::String(value)) = &literal.expr else {
            return;
        };
        let value = value.inner();
        if values.iter().any(|v| v == value) {
            return;
        }
        let offset = self.offset(literal.id);
        self.errors.push(ExprError::EnumValue {
            field: var.describe.clone(),
            value: value.to_string(),
            values: values.clone(),
            offset,
        });
    }

    fn arithmetic(
        &mut self,
        e: &IdedExpr,
        name: &str,
        (l, lt): (&IdedExpr, &CelType),
        (r, rt): (&IdedExpr, &CelType),
    ) -> CelType {
        let add = name == operators::ADD;
        let modulo = name == operators::MODULO;
        // What an operand of this type, next to one of unknown type, yields.
        let with_dyn = |t: &CelType| match t {
            CelType::Int => Some(CelType::Int),
            CelType::Double if !modulo => Some(CelType::Double),
            CelType::String if add => Some(CelType::String),
            CelType::List(_) if add => Some(CelType::List(Box::new(CelType::Dyn))),
            CelType::Dyn => Some(CelType::Dyn),
            _ => None,
        };
        let result = match (lt, rt) {
            (CelType::Dyn, other) | (other, CelType::Dyn) => with_dyn(other),
            (CelType::Int, CelType::Int) => Some(CelType::Int),
            (CelType::Double, CelType::Double) if !modulo => Some(CelType::Double),
            (CelType::String, CelType::String) if add => Some(CelType::String),
            (CelType::List(a), CelType::List(b)) if add => Some(CelType::List(Box::new(join(a, b)))),
            _ => None,
        };
        if let Some(ty) = result {
            return ty;
        }
        let op = symbol(name);
        let both = format!("{} and {}", self.describe(l, lt), self.describe(r, rt));
        let message = if lt.is_numeric() && rt.is_numeric() && lt != rt {
            let hint = match (int_literal(l), int_literal(r), whole_double_literal(l), whole_double_literal(r)) {
                (Some(n), _, _, _) | (_, Some(n), _, _) => format!("write `{n}.0`"),
                (_, _, Some(d), _) | (_, _, _, Some(d)) => {
                    format!("write `{d:.0}` or convert with `double()`")
                }
                _ => "convert one side with `double()` or `int()`".to_string(),
            };
            format!("cannot apply `{op}` to {both}: CEL never converts between int and double, {hint}")
        } else if modulo && lt == &CelType::Double && rt == &CelType::Double {
            format!("cannot apply `%` to {both}: `%` is only for ints")
        } else {
            format!("cannot apply `{op}` to {both}")
        };
        self.type_error(e.id, message);
        CelType::Dyn
    }

    fn index(
        &mut self,
        e: &IdedExpr,
        (target, tt): (&IdedExpr, &CelType),
        (index, it): (&IdedExpr, &CelType),
    ) -> CelType {
        match tt {
            CelType::List(element) => {
                if !matches!(it, CelType::Int | CelType::Dyn) {
                    let message = format!("a list index must be an int, not {}", self.describe(index, it));
                    self.type_error(e.id, message);
                }
                (**element).clone()
            }
            CelType::Map(key, value) => {
                if !is_key_type(it) {
                    let message =
                        format!("a map key must be an int, a string or a bool, not {}", self.describe(index, it));
                    self.type_error(e.id, message);
                } else if !comparable(key, it) {
                    let message = format!(
                        "{} has {key} keys, so it cannot be indexed with {}",
                        self.subject(target),
                        self.describe(index, it)
                    );
                    self.type_error(e.id, message);
                }
                (**value).clone()
            }
            CelType::Dyn => CelType::Dyn,
            other => {
                let message =
                    format!("{} is {}; only a list or a map can be indexed", self.subject(target), other.article());
                self.type_error(e.id, message);
                CelType::Dyn
            }
        }
    }

    fn function(&mut self, e: &IdedExpr, call: &CallExpr, depth: usize) -> CelType {
        let name = call.func_name.as_str();
        let member = call.target.is_some();
        let is_macro = matches!(name, "all" | "exists" | "exists_one" | "existsOne" | "map" | "filter");
        if is_macro && !self.extra.iter().any(|f| f.name == name) {
            // A bare name here is meant as the macro's variable: not undeclared.
            let checked = call.args.iter().filter(|a| !matches!(a.expr, Node::Ident(_)));
            for operand in call.target.as_deref().into_iter().chain(checked) {
                self.check(operand, depth + 1);
            }
            self.type_error(
                e.id,
                format!("`{name}` is called on a list or map with a variable name and an expression: `items.{name}(x, x > 0)`"),
            );
            return CelType::Dyn;
        }
        let operands: Vec<&IdedExpr> = call.target.as_deref().into_iter().chain(call.args.iter()).collect();
        let tys: Vec<CelType> = operands.iter().map(|a| self.check(a, depth + 1)).collect();
        if self.extra.iter().any(|f| f.name == name) {
            return self.extra_call(e, name, &operands, &tys);
        }
        let args: Vec<(&IdedExpr, &CelType)> = operands.iter().copied().zip(tys.iter()).collect();
        match name {
            "size" => {
                match args.as_slice() {
                    [(arg, ty)] => {
                        if !matches!(ty, CelType::String | CelType::List(_) | CelType::Map(..) | CelType::Dyn) {
                            let message =
                                format!("`size` needs a string, a list or a map, not {}", self.describe(arg, ty));
                            self.type_error(e.id, message);
                        }
                    }
                    _ => self.type_error(e.id, "`size` takes one value: `size(x)` or `x.size()`".to_string()),
                }
                CelType::Int
            }
            "contains" | "startsWith" | "endsWith" => {
                match (member, args.as_slice()) {
                    (true, [(text, text_ty), (part, part_ty)]) => {
                        for (arg, ty) in [(text, text_ty), (part, part_ty)] {
                            if !matches!(ty, CelType::String | CelType::Dyn) {
                                let message = format!("`{name}` needs strings, not {}", self.describe(arg, ty));
                                self.type_error(e.id, message);
                            }
                        }
                    }
                    _ => self.type_error(e.id, format!("`{name}` is called as `text.{name}(part)`")),
                }
                CelType::Bool
            }
            "int" | "double" | "string" | "bool" | "dyn" => {
                let (result, accepts): (CelType, fn(&CelType) -> bool) = match name {
                    "int" => {
                        (CelType::Int, |t| matches!(t, CelType::Int | CelType::Double | CelType::String | CelType::Dyn))
                    }
                    "double" => (CelType::Double, |t| {
                        matches!(t, CelType::Int | CelType::Double | CelType::String | CelType::Dyn)
                    }),
                    "string" => (CelType::String, |t| {
                        matches!(t, CelType::Int | CelType::Double | CelType::String | CelType::Bool | CelType::Dyn)
                    }),
                    "bool" => (CelType::Bool, |t| matches!(t, CelType::Bool | CelType::String | CelType::Dyn)),
                    _ => (CelType::Dyn, |_| true),
                };
                match (member, args.as_slice()) {
                    (false, [(arg, ty)]) => {
                        if !accepts(ty) {
                            let message = format!("`{name}()` cannot convert {}", self.describe(arg, ty));
                            self.type_error(e.id, message);
                        }
                    }
                    _ => self.type_error(e.id, format!("`{name}` is called as `{name}(x)`")),
                }
                result
            }
            "max" | "min" => self.extremum(e, name, member, &args),
            "has" => {
                self.type_error(e.id, "`has` takes one field selection: `has(map.field)`".to_string());
                CelType::Bool
            }
            _ => {
                let known = BUILTINS.iter().copied().chain(self.extra.iter().map(|f| f.name));
                let suggestion = suggest(name, known);
                let offset = self.offset(e.id);
                self.errors.push(ExprError::UnknownFunction { name: name.to_string(), suggestion, offset });
                CelType::Dyn
            }
        }
    }

    fn extremum(&mut self, e: &IdedExpr, name: &str, member: bool, args: &[(&IdedExpr, &CelType)]) -> CelType {
        if member || args.is_empty() {
            self.type_error(e.id, format!("`{name}` is called as `{name}(a, b, …)` or `{name}(list)`"));
            return CelType::Dyn;
        }
        // `max(list)` ranges over the list's elements.
        let numbers: Vec<(&IdedExpr, CelType)> = match args {
            [(arg, CelType::List(element))] => vec![(*arg, (**element).clone())],
            _ => args.iter().map(|(a, t)| (*a, (*t).clone())).collect(),
        };
        let mut result: Option<CelType> = None;
        for (arg, ty) in &numbers {
            if !(ty.is_numeric() || *ty == CelType::Dyn) {
                let message = format!("`{name}` needs numbers, not {}", self.describe(arg, ty));
                self.type_error(e.id, message);
            }
            result = Some(match result {
                None => ty.clone(),
                Some(so_far) => join(&so_far, ty),
            });
        }
        result.unwrap_or(CelType::Dyn)
    }

    /// What is known of `arg` before run time.
    fn call_arg(&self, arg: &IdedExpr) -> CallArg {
        match &arg.expr {
            Node::Literal(LiteralValue::String(s)) => CallArg::Str(s.inner().to_string()),
            Node::Map(map) => CallArg::Map(
                map.entries
                    .iter()
                    .map(|entry| match &entry.expr {
                        EntryExpr::MapEntry(m) => match &m.key.expr {
                            Node::Literal(LiteralValue::String(k)) => {
                                (Some(k.inner().to_string()), self.offset(m.key.id))
                            }
                            _ => (None, self.offset(m.key.id)),
                        },
                        EntryExpr::StructField(f) => (None, self.offset(f.value.id)),
                    })
                    .collect(),
            ),
            Node::List(list) => CallArg::List(
                list.elements
                    .iter()
                    .map(|item| match &item.expr {
                        Node::Literal(LiteralValue::String(s)) => (Some(s.inner().to_string()), self.offset(item.id)),
                        _ => (None, self.offset(item.id)),
                    })
                    .collect(),
            ),
            _ => CallArg::Computed,
        }
    }

    fn extra_call(&mut self, e: &IdedExpr, name: &str, operands: &[&IdedExpr], tys: &[CelType]) -> CelType {
        let signatures: Vec<&FunctionSig> = self.extra.iter().filter(|f| f.name == name).collect();
        if let Some(sig) = signatures.first() {
            let site = CallSite {
                name: sig.name,
                args: operands.iter().map(|a| self.call_arg(a)).collect(),
                offsets: operands.iter().map(|a| self.offset(a.id)).collect(),
                offset: self.offset(e.id),
            };
            self.calls.push(site);
        }
        let matching = signatures
            .iter()
            .find(|sig| sig.args.len() == tys.len() && sig.args.iter().zip(tys).all(|(p, a)| assignable(p, a)));
        if let Some(sig) = matching {
            return sig.result.clone();
        }
        let list = |tys: &[CelType]| tys.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let takes = signatures.iter().map(|sig| format!("({})", list(&sig.args))).collect::<Vec<_>>().join(" or ");
        let given = operands.iter().zip(tys).map(|(arg, ty)| self.describe(arg, ty)).collect::<Vec<_>>().join(", ");
        let given = if given.is_empty() { "nothing".to_string() } else { given };
        self.type_error(e.id, format!("`{name}` takes {takes}, not {given}"));
        signatures.first().map_or(CelType::Dyn, |sig| sig.result.clone())
    }
}

/// The macro a comprehension was expanded from and the id of its condition,
/// recognised by the shapes cel's macros expand to.
fn macro_predicate(c: &ComprehensionExpr) -> Option<(&'static str, u64)> {
    let Node::Call(step) = &c.loop_step.expr else {
        return None;
    };
    let is_accu = |e: &IdedExpr| matches!(&e.expr, Node::Ident(n) if *n == c.accu_var);
    match (step.func_name.as_str(), step.args.as_slice()) {
        (operators::LOGICAL_AND, [accu, condition]) if is_accu(accu) => Some(("all", condition.id)),
        (operators::LOGICAL_OR, [accu, condition]) if is_accu(accu) => Some(("exists", condition.id)),
        (operators::CONDITIONAL, [condition, _, _]) => match &c.accu_init.expr {
            Node::Literal(LiteralValue::Int(_)) => Some(("exists_one", condition.id)),
            Node::List(_) => {
                let keeps_item = appended(c).is_some_and(|e| matches!(&e.expr, Node::Ident(n) if *n == c.iter_var));
                Some((if keeps_item { "filter" } else { "map" }, condition.id))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The element a `map` or `filter` comprehension appends to its empty list
/// accumulator at each step, maybe under a condition.
fn appended(c: &ComprehensionExpr) -> Option<&IdedExpr> {
    let Node::List(init) = &c.accu_init.expr else {
        return None;
    };
    if !init.elements.is_empty() {
        return None;
    }
    let mut step = &c.loop_step;
    if let Node::Call(call) = &step.expr {
        if call.func_name == operators::CONDITIONAL {
            step = call.args.get(1)?;
        }
    }
    let Node::Call(add) = &step.expr else {
        return None;
    };
    match (add.func_name.as_str(), add.args.as_slice()) {
        (operators::ADD, [accu, list]) if matches!(&accu.expr, Node::Ident(n) if *n == c.accu_var) => {
            match &list.expr {
                Node::List(list) if list.elements.len() == 1 => list.elements.first(),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, ty: CelType, describe: &str) -> Variable {
        Variable { name: name.to_string(), ty, enum_values: None, describe: describe.to_string() }
    }

    fn vars() -> Vec<Variable> {
        let mut grade = var("grade", CelType::String, "enum field `grade`");
        grade.enum_values = Some(vec!["A".into(), "B".into(), "C".into()]);
        vec![
            var("amount", CelType::Double, "money field `amount`"),
            grade,
            var("items", CelType::List(Box::new(CelType::String)), "list field `items`"),
            var("count", CelType::Int, "number field `count`"),
            var("approved", CelType::Bool, "flag `approved`"),
            var("limits", CelType::Map(Box::new(CelType::String), Box::new(CelType::Double)), "map field `limits`"),
            var("data", CelType::Dyn, "field `data`"),
            var("input.total", CelType::Int, "number field `input.total`"),
        ]
    }

    fn ok(source: &str) -> Expr {
        Expr::compile(source, &vars()).unwrap_or_else(|e| panic!("{source}: {e:?}"))
    }

    fn ty(source: &str) -> CelType {
        ok(source).result_type().clone()
    }

    fn errs(source: &str) -> Vec<ExprError> {
        match Expr::compile(source, &vars()) {
            Ok(expr) => panic!("{source} was accepted as {:?}", expr.result_type()),
            Err(errors) => errors,
        }
    }

    fn one(source: &str) -> ExprError {
        let mut errors = errs(source);
        assert_eq!(errors.len(), 1, "{source}: {errors:?}");
        errors.remove(0)
    }

    fn type_message(source: &str) -> String {
        match one(source) {
            ExprError::Type { message, .. } => message,
            other => panic!("{source}: expected a type error, got {other:?}"),
        }
    }

    fn syntax_message(source: &str) -> String {
        match one(source) {
            ExprError::Syntax { message, .. } => message,
            other => panic!("{source}: expected a syntax error, got {other:?}"),
        }
    }

    fn list(t: CelType) -> CelType {
        CelType::List(Box::new(t))
    }

    /// Runs `f` on a thread with the default 2 MiB stack, as tests and
    /// spawned threads get, so that an overflow would show.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new().stack_size(2 << 20).spawn(f).expect("spawn").join().expect("no panic")
    }

    #[test]
    fn types_display_as_cel_writes_them() {
        assert_eq!(list(CelType::Int).to_string(), "list(int)");
        assert_eq!(CelType::Map(Box::new(CelType::String), Box::new(CelType::Bool)).to_string(), "map(string, bool)");
        assert_eq!(CelType::Dyn.to_string(), "dyn");
        assert_eq!(CelType::Null.to_string(), "null");
    }

    #[test]
    fn a_typical_guard_is_accepted_as_bool() {
        let expr = ok(r#"amount > 10000 && grade == "A""#);
        assert_eq!(expr.result_type(), &CelType::Bool);
        assert_eq!(expr.names(), vec!["amount", "grade"]);
        assert_eq!(expr.source(), r#"amount > 10000 && grade == "A""#);
        assert!(format!("{expr:?}").contains("amount > 10000"));
    }

    #[test]
    fn the_program_evaluates() {
        let expr = ok("count + 1");
        let mut context = cel::Context::default();
        context.add_variable("count", 2_i64).expect("an int variable");
        assert_eq!(expr.program().execute(&context), Ok(cel::Value::Int(3)));
    }

    #[test]
    fn names_are_sorted_deduplicated_and_skip_bound_variables() {
        let expr = ok(r#"items.all(i, i != "") && count > 0 && count < 9 && amount > 0.0"#);
        assert_eq!(expr.names(), vec!["amount", "count", "items"]);
    }

    #[test]
    fn an_undeclared_name_suggests_the_closest_field() {
        assert_eq!(
            one("amonut > 1"),
            ExprError::Undeclared { name: "amonut".into(), suggestion: Some("amount".into()), offset: Some((0, 6)) }
        );
    }

    #[test]
    fn a_name_under_a_namespace_is_reported_whole_with_the_names_under_it() {
        assert_eq!(
            one("amount > input.totl"),
            ExprError::Undeclared {
                name: "input.totl".into(),
                suggestion: Some("input.total".into()),
                offset: Some((9, 19))
            }
        );
    }

    #[test]
    fn an_undeclared_name_far_from_any_field_has_no_suggestion() {
        assert!(matches!(one("zzzzzzzz > 1"), ExprError::Undeclared { suggestion: None, .. }));
    }

    #[test]
    fn a_comprehension_variable_can_be_suggested() {
        assert!(matches!(
            one("items.all(item, itme.size() > 0)"),
            ExprError::Undeclared { name, suggestion: Some(s), .. } if name == "itme" && s == "item"
        ));
    }

    #[test]
    fn a_comprehension_variable_is_out_of_scope_after_it() {
        assert!(matches!(
            one("items.all(i, true) && i"),
            ExprError::Undeclared { name, .. } if name == "i"
        ));
    }

    #[test]
    fn literals_have_their_types() {
        assert_eq!(ty("true"), CelType::Bool);
        assert_eq!(ty("1"), CelType::Int);
        assert_eq!(ty("1u"), CelType::Int);
        assert_eq!(ty("1.5"), CelType::Double);
        assert_eq!(ty("'s'"), CelType::String);
        assert_eq!(ty("null"), CelType::Null);
        assert_eq!(ty("b'abc'"), CelType::Dyn);
    }

    #[test]
    fn selecting_on_a_map_gives_its_value_type() {
        assert_eq!(ty("limits.gold"), CelType::Double);
        assert_eq!(ty("data.x.y"), CelType::Dyn);
        assert_eq!(ok("limits.gold > 1.0").names(), vec!["limits"]);
    }

    #[test]
    fn selecting_on_a_scalar_is_a_type_error() {
        assert_eq!(type_message("amount.foo > 1.0"), "money field `amount` is a double; it has no fields");
    }

    #[test]
    fn a_literal_is_named_by_its_text() {
        assert_eq!(type_message("true.all(x, x)"), "`true` is a bool; only a list or a map can be iterated");
        assert_eq!(type_message("2.0[0]"), "`2.0` is a double; only a list or a map can be indexed");
    }

    #[test]
    fn a_presence_test_is_bool() {
        assert_eq!(ty("has(limits.gold)"), CelType::Bool);
        assert_eq!(ty("has(data.x)"), CelType::Bool);
        assert_eq!(type_message("has(count.x)"), "number field `count` is an int; it has no fields");
    }

    #[test]
    fn a_qualified_name_resolves_to_a_dotted_variable() {
        let expr = ok("input.total > 3");
        assert_eq!(expr.names(), vec!["input.total"]);
        assert_eq!(type_message("input.total == 'x'"), "cannot compare number field `input.total` (int) with a string");
    }

    #[test]
    fn list_literals_have_a_common_element_type() {
        assert_eq!(ty("[1, 2]"), list(CelType::Int));
        assert_eq!(ty("[1, 'a']"), list(CelType::Dyn));
        assert_eq!(ty("[]"), list(CelType::Dyn));
    }

    #[test]
    fn map_literals_are_dyn_maps_with_valid_keys() {
        assert_eq!(ty("{'a': 1}"), CelType::Map(Box::new(CelType::Dyn), Box::new(CelType::Dyn)));
        assert_eq!(type_message("{1.5: 1}"), "a map key must be an int, a string or a bool, not a double");
    }

    #[test]
    fn message_construction_is_rejected() {
        assert!(type_message("Foo{a: 1}").contains("no message types"));
    }

    #[test]
    fn logical_operators_need_bools() {
        assert_eq!(ty("approved || !approved && data"), CelType::Bool);
        assert_eq!(type_message("amount && approved"), "`&&` needs bool operands, not money field `amount` (double)");
        assert_eq!(type_message("!count"), "`!` needs a bool, not number field `count` (int)");
    }

    #[test]
    fn equality_accepts_compatible_operands() {
        assert_eq!(ty("count == 2.0"), CelType::Bool);
        assert_eq!(ty("amount != null"), CelType::Bool);
        assert_eq!(ty("data == 'x'"), CelType::Bool);
        assert_eq!(ty("items == ['a']"), CelType::Bool);
    }

    #[test]
    fn equality_rejects_incompatible_operands() {
        let error = one(r#"amount == "x""#);
        assert_eq!(error.to_string(), "cannot compare money field `amount` (double) with a string");
        assert_eq!(error.offset(), Some((7, 9)));
    }

    #[test]
    fn ordering_accepts_numbers_and_strings() {
        assert_eq!(ty("count < amount"), CelType::Bool);
        assert_eq!(ty("grade >= 'B'"), CelType::Bool);
        assert_eq!(ty("data > 1"), CelType::Bool);
    }

    #[test]
    fn ordering_rejects_mixed_kinds() {
        assert_eq!(
            type_message(r#"amount > "x""#),
            "cannot compare money field `amount` (double) with a string using `>`"
        );
        assert!(type_message("items > 1").starts_with("cannot compare list field `items`"));
    }

    #[test]
    fn arithmetic_on_matching_types() {
        assert_eq!(ty("amount * 2.0"), CelType::Double);
        assert_eq!(ty("count + 1"), CelType::Int);
        assert_eq!(ty("count % 2"), CelType::Int);
        assert_eq!(ty("'a' + grade"), CelType::String);
        assert_eq!(ty("items + ['x']"), list(CelType::String));
        assert_eq!(ty("data + 1"), CelType::Int);
        assert_eq!(ty("-amount"), CelType::Double);
    }

    #[test]
    fn mixing_int_and_double_suggests_a_double_literal() {
        let message = type_message("amount * 2");
        assert!(message.contains("money field `amount` (double) and an int"), "{message}");
        assert!(message.contains("write `2.0`"), "{message}");
        assert!(type_message("count + amount").contains("convert one side"));
    }

    #[test]
    fn other_arithmetic_mismatches_are_type_errors() {
        assert!(type_message("amount % 2.0").contains("only for ints"));
        assert_eq!(type_message("approved + 1"), "cannot apply `+` to flag `approved` (bool) and an int");
        assert_eq!(type_message("-grade"), "cannot negate enum field `grade` (string)");
        assert!(type_message("items - ['x']").starts_with("cannot apply `-`"));
    }

    #[test]
    fn indexing_lists_and_maps() {
        assert_eq!(ty("items[0]"), CelType::String);
        assert_eq!(ty("limits['gold']"), CelType::Double);
        assert_eq!(ty("data[0]"), CelType::Dyn);
    }

    #[test]
    fn bad_indexing_is_a_type_error() {
        assert_eq!(type_message("items['x']"), "a list index must be an int, not a string");
        assert!(type_message("limits[1]").contains("has string keys"));
        assert_eq!(
            type_message("{'a': 1}[amount]"),
            "a map key must be an int, a string or a bool, not money field `amount` (double)"
        );
        assert_eq!(type_message("count[0]"), "number field `count` is an int; only a list or a map can be indexed");
    }

    #[test]
    fn membership_in_lists_and_maps() {
        assert_eq!(ty("'x' in items"), CelType::Bool);
        assert_eq!(ty("'gold' in limits"), CelType::Bool);
        assert_eq!(ty("grade in ['A', 'B']"), CelType::Bool);
    }

    #[test]
    fn bad_membership_is_a_type_error() {
        assert_eq!(type_message("1 in items"), "an int can never be in list field `items` (list(string))");
        assert!(type_message("1 in count").starts_with("`in` needs a list or a map"));
    }

    #[test]
    fn membership_checks_enum_values() {
        assert_eq!(
            one(r#"grade in ["A", "D"]"#),
            ExprError::EnumValue {
                field: "enum field `grade`".into(),
                value: "D".into(),
                values: vec!["A".into(), "B".into(), "C".into()],
                offset: Some((15, 18)),
            }
        );
    }

    #[test]
    fn the_conditional_unifies_its_branches() {
        assert_eq!(ty("approved ? 1 : 2"), CelType::Int);
        assert_eq!(ty("approved ? 1 : 'a'"), CelType::Dyn);
        assert_eq!(
            type_message("count ? 1 : 2"),
            "the condition of `? :` must be a bool, not number field `count` (int)"
        );
    }

    #[test]
    fn an_unknown_enum_value_is_reported_where_it_is() {
        let error = one(r#"grade == "D""#);
        assert_eq!(error.to_string(), "`D` is not a value of enum field `grade`");
        assert_eq!(error.offset(), Some((9, 12)));
        assert!(matches!(one(r#""D" != grade"#), ExprError::EnumValue { value, .. } if value == "D"));
        assert_eq!(ty(r#"grade == "B""#), CelType::Bool);
    }

    #[test]
    fn size_of_strings_lists_and_maps() {
        assert_eq!(ty("size(items) > 2"), CelType::Bool);
        assert_eq!(ty("items.size()"), CelType::Int);
        assert_eq!(ty("size(grade) + size(limits)"), CelType::Int);
        assert_eq!(
            type_message("size(count)"),
            "`size` needs a string, a list or a map, not number field `count` (int)"
        );
    }

    #[test]
    fn string_tests_are_member_calls_on_strings() {
        assert_eq!(ty("grade.startsWith('A') || grade.endsWith('x') || grade.contains('B')"), CelType::Bool);
        assert_eq!(type_message("count.startsWith('A')"), "`startsWith` needs strings, not number field `count` (int)");
        assert_eq!(type_message("startsWith(grade, 'A')"), "`startsWith` is called as `text.startsWith(part)`");
    }

    #[test]
    fn conversions() {
        assert_eq!(ty("int(amount) > 3"), CelType::Bool);
        assert_eq!(ty("double(count) * 1.5"), CelType::Double);
        assert_eq!(ty("string(count) + 'x'"), CelType::String);
        assert_eq!(ty("bool('true')"), CelType::Bool);
        assert_eq!(ty("dyn(count)"), CelType::Dyn);
        assert_eq!(type_message("int(items)"), "`int()` cannot convert list field `items` (list(string))");
        assert_eq!(type_message("amount.int()"), "`int` is called as `int(x)`");
    }

    #[test]
    fn max_and_min_take_numbers() {
        assert_eq!(ty("max(amount, 2.0)"), CelType::Double);
        assert_eq!(ty("min(count, 2)"), CelType::Int);
        assert_eq!(ty("max([1, 2])"), CelType::Int);
        assert_eq!(ty("max(count, 2.0)"), CelType::Dyn);
        assert_eq!(type_message("max(grade)"), "`max` needs numbers, not enum field `grade` (string)");
    }

    #[test]
    fn an_unknown_function_is_reported_with_a_suggestion() {
        assert!(matches!(
            one("foo(1)"),
            ExprError::UnknownFunction { name, offset: Some((3, 4)), .. } if name == "foo"
        ));
        assert_eq!(
            one("sise(items)"),
            ExprError::UnknownFunction { name: "sise".into(), suggestion: Some("size".into()), offset: Some((4, 5)) }
        );
        assert!(matches!(one("quux_quux(1)"), ExprError::UnknownFunction { suggestion: None, .. }));
    }

    #[test]
    fn a_macro_called_the_wrong_way_is_explained() {
        assert!(type_message("items.all(i)").contains("`items.all(x, x > 0)`"));
    }

    #[test]
    fn comprehensions_bind_the_element_type() {
        assert_eq!(ty("items.all(i, i.size() > 0)"), CelType::Bool);
        assert_eq!(ty("items.exists(i, i == 'x')"), CelType::Bool);
        assert_eq!(ty("items.exists_one(i, i == 'x')"), CelType::Bool);
        assert_eq!(ty("limits.exists(k, k.startsWith('g'))"), CelType::Bool);
        assert_eq!(ty("data.all(x, x > 1)"), CelType::Bool);
    }

    #[test]
    fn map_and_filter_produce_typed_lists() {
        assert_eq!(ty("items.map(i, i.size())"), list(CelType::Int));
        assert_eq!(ty("items.map(i, i != '', i.size())"), list(CelType::Int));
        assert_eq!(ty("items.filter(i, i.startsWith('a'))"), list(CelType::String));
        assert_eq!(ty("items.map(i, i.size()).all(n, n > 0)"), CelType::Bool);
        assert_eq!(type_message("items.map(i, i.size()).all(n, n == 'x')"), "cannot compare `n` (int) with a string");
    }

    #[test]
    fn comprehension_bodies_are_checked() {
        assert_eq!(type_message("items.all(i, i > 0)"), "cannot compare `i` (string) with an int using `>`");
        assert_eq!(type_message("items.all(i, i.size())"), "the condition of `all` must be a bool, not an int");
        assert_eq!(
            type_message("items.exists_one(i, i)"),
            "the condition of `exists_one` must be a bool, not `i` (string)"
        );
        assert_eq!(type_message("items.filter(i, 1)"), "the condition of `filter` must be a bool, not an int");
        assert_eq!(
            type_message("count.all(i, true)"),
            "number field `count` is an int; only a list or a map can be iterated"
        );
    }

    #[test]
    fn extra_functions_are_checked_against_their_signatures() {
        let extra = [FunctionSig { name: "daysSince", args: vec![CelType::String], result: CelType::Int }];
        let compile = |source: &str| Expr::compile_with(source, &vars(), &extra);
        let expr = compile("daysSince(grade) > 3").expect("a declared function");
        assert_eq!(expr.result_type(), &CelType::Bool);
        assert!(compile("grade.daysSince() > 3").is_ok());
        assert!(compile("daysSince(data) > 3").is_ok());
        let errors = compile("daysSince(count)").expect_err("wrong argument");
        assert_eq!(errors[0].to_string(), "`daysSince` takes (string), not number field `count` (int)");
        let errors = compile("daysSinc(grade)").expect_err("misspelt");
        assert!(matches!(
            &errors[0],
            ExprError::UnknownFunction { suggestion: Some(s), .. } if s == "daysSince"
        ));
        assert!(matches!(
            Expr::compile("daysSince(grade)", &vars()).expect_err("not declared")[0],
            ExprError::UnknownFunction { .. }
        ));
    }

    #[test]
    fn dyn_parameters_accept_anything() {
        let extra = [FunctionSig { name: "log", args: vec![CelType::Dyn], result: CelType::Bool }];
        for source in ["log(1)", "log(items)", "log(limits)"] {
            let expr = Expr::compile_with(source, &vars(), &extra).expect("dyn accepts it");
            assert_eq!(expr.result_type(), &CelType::Bool);
        }
    }

    #[test]
    fn all_errors_are_reported_in_one_pass() {
        let errors = errs(r#"amonut > 1 && grade == "D" && foo(1) && amount * 2 > 1.0"#);
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(matches!(errors[0], ExprError::Undeclared { .. }));
        assert!(matches!(errors[1], ExprError::EnumValue { .. }));
        assert!(matches!(errors[2], ExprError::UnknownFunction { .. }));
        assert!(matches!(errors[3], ExprError::Type { .. }));
    }

    #[test]
    fn syntax_errors_carry_a_place() {
        let errors = errs("amount > && (");
        assert!(!errors.is_empty());
        assert!(errors.iter().all(|e| matches!(e, ExprError::Syntax { .. })));
        assert_eq!(errors[0].offset(), Some((9, 10)));
        assert!(!errors[0].to_string().starts_with("Syntax error"));
    }

    #[test]
    fn a_macro_misuse_is_a_syntax_error() {
        let error = one("approved && has(amount)");
        assert_eq!(error.to_string(), "invalid argument to has() macro");
        assert_eq!(error.offset(), Some((16, 17)));
    }

    #[test]
    fn an_empty_expression_is_a_syntax_error() {
        assert_eq!(syntax_message(""), "empty expression");
        assert_eq!(syntax_message("  \n\t"), "empty expression");
    }

    #[test]
    fn offsets_count_characters_not_bytes() {
        assert_eq!(one(r#""éé" == amount"#).offset(), Some((5, 7)));
        assert_eq!(one(r#""é" +"#).offset(), Some((5, 5)));
        assert_eq!(one("\"é\" == \"x\" && amonut").offset(), Some((14, 20)));
        assert_eq!(one("count +\n amonut").offset(), Some((9, 15)));
        assert_eq!(errs("'é' +\n )")[0].offset(), Some((7, 8)));
    }

    #[test]
    fn ten_thousand_parentheses_are_rejected_not_overflowed() {
        let errors = on_small_stack(|| {
            let source = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
            Expr::compile(&source, &[]).expect_err("too long")
        });
        assert!(matches!(&errors[..], [ExprError::Syntax { message, .. }] if message.contains("too long")));
    }

    #[test]
    fn a_100_kb_chain_is_rejected_not_overflowed() {
        let errors = on_small_stack(|| {
            let source = "1 + ".repeat(25_000) + "1";
            Expr::compile(&source, &[]).expect_err("too long")
        });
        assert!(matches!(&errors[..], [ExprError::Syntax { message, offset: None }] if message.contains("too long")));
    }

    #[test]
    fn brackets_nest_at_most_64_deep() {
        let nested = |n: usize| format!("{}count{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(ty(&nested(MAX_NESTING)), CelType::Int);
        let error = one(&nested(MAX_NESTING + 1));
        assert!(error.to_string().contains("nested too deeply"));
        assert_eq!(error.offset(), Some((MAX_NESTING, MAX_NESTING + 1)));
        let in_string = format!("items[0] == '{}'", "(".repeat(100));
        assert_eq!(ty(&in_string), CelType::Bool);
        let in_comment = format!("count // {}\n + 1", "(".repeat(100));
        assert_eq!(ty(&in_comment), CelType::Int);
    }

    #[test]
    fn the_longest_chains_allowed_are_rejected_not_overflowed() {
        let fill = |unit: &str, head: &str, tail: &str| {
            let n = (MAX_SOURCE_CHARS - head.len() - tail.len()) / unit.len();
            format!("{head}{}{tail}", unit.repeat(n))
        };
        let sources = [
            fill("1 + ", "", "1"),
            fill("1+", "", "1"),
            fill(".b", "data", ""),
            fill("[0]", "data", ""),
            fill(".size()", "items", ""),
            fill("(1)+", "", "1"),
        ];
        for source in sources {
            assert!(source.chars().count() <= MAX_SOURCE_CHARS);
            let shown = source.chars().take(12).collect::<String>();
            let errors = on_small_stack(move || Expr::compile(&source, &vars()).expect_err("too deep"));
            assert!(
                matches!(&errors[..], [ExprError::Syntax { message, .. }] if message.contains("levels")),
                "{shown}…: {errors:?}"
            );
        }
    }

    #[test]
    fn the_parser_recursion_limit_is_one_clean_error() {
        let source = "approved ? 1 : ".repeat(120) + "2";
        let error = on_small_stack(move || Expr::compile(&source, &vars()).expect_err("too deep"));
        assert!(
            matches!(&error[..], [ExprError::Syntax { message, .. }] if message == "expression is nested too deeply")
        );
    }

    #[test]
    fn a_long_left_chain_is_limited_by_tree_depth() {
        let within = "count + ".repeat(MAX_DEPTH - 1) + "1";
        assert_eq!(
            on_small_stack(move || Expr::compile(&within, &vars()).map(|e| e.result_type().clone())),
            Ok(CelType::Int)
        );
        let beyond = "count + ".repeat(400) + "1";
        let errors = on_small_stack(move || Expr::compile(&beyond, &vars()).expect_err("too deep"));
        assert!(matches!(&errors[..], [ExprError::Syntax { message, .. }] if message.contains("more than 128 levels")));
    }
}
