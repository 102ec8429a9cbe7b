//! Reader for LoLA's text format of place/transition nets (`PLACE`, `MARKING`, `TRANSITION`
//! with `CONSUME`/`PRODUCE`), as written by UML2oWFN for the IBM process library.

use super::petri::{add_arc, Net, Place, Transition};
use super::{ImportError, Note};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A name or number; LoLA names may hold `.`, `#`, `_` and the like.
    Word(String),
    /// One of `,` `;` `:`.
    Punct(char),
}

struct Lexer {
    tokens: Vec<(Token, u32)>,
    position: usize,
}

fn tokenize(text: &str) -> Result<Vec<(Token, u32)>, ImportError> {
    let mut tokens = Vec::new();
    let mut line: u32 = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => line += 1,
            c if c.is_whitespace() => {}
            '{' => {
                // Comments nest in LoLA files written by hand; count depth to be safe.
                let opened = line;
                let mut depth = 1;
                while depth > 0 {
                    match chars.next() {
                        Some('{') => depth += 1,
                        Some('}') => depth -= 1,
                        Some('\n') => line += 1,
                        Some(_) => {}
                        None => {
                            return Err(ImportError::Syntax {
                                line: opened,
                                message: "comment `{` is never closed".into(),
                            })
                        }
                    }
                }
            }
            '}' => return Err(ImportError::Syntax { line, message: "`}` without an opening `{`".into() }),
            ',' | ';' | ':' => tokens.push((Token::Punct(c), line)),
            _ => {
                let mut word = String::from(c);
                while let Some(&next) = chars.peek() {
                    if next.is_whitespace() || matches!(next, ',' | ';' | ':' | '{' | '}') {
                        break;
                    }
                    word.push(next);
                    chars.next();
                }
                tokens.push((Token::Word(word), line));
            }
        }
    }
    Ok(tokens)
}

impl Lexer {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position).map(|(t, _)| t)
    }

    /// The line of the next token, or of the last one at the end of the file.
    fn line(&self) -> u32 {
        self.tokens.get(self.position).or_else(|| self.tokens.last()).map_or(1, |(_, l)| *l)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.position).map(|(t, _)| t.clone());
        self.position += 1;
        token
    }

    fn error(&self, message: impl Into<String>) -> ImportError {
        ImportError::Syntax { line: self.line(), message: message.into() }
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w == keyword)
    }

    fn expect_keyword(&mut self, keyword: &str) -> Result<(), ImportError> {
        if self.is_keyword(keyword) {
            self.position += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected `{keyword}`, found {}", self.describe_next())))
        }
    }

    fn eat(&mut self, punct: char) -> bool {
        if self.peek() == Some(&Token::Punct(punct)) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, punct: char) -> Result<(), ImportError> {
        if self.eat(punct) {
            Ok(())
        } else {
            Err(self.error(format!("expected `{punct}`, found {}", self.describe_next())))
        }
    }

    fn word(&mut self, what: &str) -> Result<String, ImportError> {
        match self.peek() {
            Some(Token::Word(w)) if !is_keyword(w) => {
                let w = w.clone();
                self.position += 1;
                Ok(w)
            }
            _ => Err(self.error(format!("expected {what}, found {}", self.describe_next()))),
        }
    }

    fn number(&mut self) -> Result<u64, ImportError> {
        let line = self.line();
        match self.next() {
            Some(Token::Word(w)) => w.parse().map_err(|_| ImportError::Syntax {
                line,
                message: format!("expected a number of tokens, found `{w}`"),
            }),
            other => Err(ImportError::Syntax {
                line,
                message: format!("expected a number of tokens, found {}", describe(other.as_ref())),
            }),
        }
    }

    fn describe_next(&self) -> String {
        describe(self.peek())
    }
}

fn describe(token: Option<&Token>) -> String {
    match token {
        Some(Token::Word(w)) => format!("`{w}`"),
        Some(Token::Punct(p)) => format!("`{p}`"),
        None => "the end of the file".to_owned(),
    }
}

const KEYWORDS: &[&str] = &["PLACE", "MARKING", "TRANSITION", "CONSUME", "PRODUCE", "SAFE", "STRONG", "WEAK", "FAIR"];

fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Parse a LoLA net; `stem` names it.
pub(crate) fn parse(text: &str, stem: &str, notes: &mut Vec<Note>) -> Result<Net, ImportError> {
    let mut lexer = Lexer { tokens: tokenize(text)?, position: 0 };
    if lexer.tokens.is_empty() {
        return Err(ImportError::Empty { message: "the file holds no net (no `PLACE` section)".into() });
    }
    let mut net = Net { id: stem.to_owned(), ..Net::default() };
    let mut index = std::collections::HashMap::new();
    lexer.expect_keyword("PLACE")?;
    loop {
        if lexer.is_keyword("SAFE") {
            // `SAFE k :` declares a capacity for the places that follow.
            let line = lexer.line();
            lexer.next();
            let capacity = if matches!(lexer.peek(), Some(Token::Word(_))) { lexer.number()? } else { 1 };
            lexer.expect(':')?;
            notes.push(Note::info(
                "capacity",
                &format!("SAFE {capacity}"),
                line,
                "place capacities are not imported; the soundness check reports any state that would hold two tokens",
            ));
            continue;
        }
        let line = lexer.line();
        let id = lexer.word("a place name")?;
        if index.contains_key(&id) {
            return Err(ImportError::Element {
                element: "place".into(),
                id,
                line,
                message: "is declared twice".into(),
            });
        }
        index.insert(id.clone(), net.places.len());
        net.places.push(Place { id, name: None, line, tokens: 0 });
        if lexer.eat(',') {
            continue;
        }
        lexer.expect(';')?;
        if !lexer.is_keyword("SAFE") && !matches!(lexer.peek(), Some(Token::Word(w)) if !is_keyword(w)) {
            break;
        }
    }
    lexer.expect_keyword("MARKING")?;
    if !lexer.eat(';') {
        for (place, tokens) in arcs(&mut lexer, &index)? {
            net.places[place].tokens = net.places[place].tokens.saturating_add(tokens);
        }
    }
    while lexer.peek().is_some() {
        // Fairness annotations (`STRONG FAIR`, `WEAK FAIR`) only matter for liveness under
        // fairness, which a workflow does not assume; they come before `TRANSITION` in LoLA 1.
        let line = lexer.line();
        if lexer.is_keyword("STRONG") || lexer.is_keyword("WEAK") {
            lexer.next();
            lexer.expect_keyword("FAIR")?;
            notes.push(Note::info("fairness", "FAIR", line, "fairness annotations are not imported"));
        }
        let line = lexer.line();
        lexer.expect_keyword("TRANSITION")?;
        let id = lexer.word("a transition name")?;
        if lexer.is_keyword("STRONG") || lexer.is_keyword("WEAK") {
            lexer.next();
            lexer.expect_keyword("FAIR")?;
            notes.push(Note::info("transition", &id, line, "its fairness annotation is not imported"));
        }
        lexer.expect_keyword("CONSUME")?;
        let consume = if lexer.eat(';') { Vec::new() } else { arcs(&mut lexer, &index)? };
        lexer.expect_keyword("PRODUCE")?;
        let produce = if lexer.eat(';') { Vec::new() } else { arcs(&mut lexer, &index)? };
        let mut transition = Transition { id, name: None, line, inputs: Vec::new(), outputs: Vec::new() };
        for (place, weight) in consume {
            add_arc(&mut transition.inputs, place, weight);
        }
        for (place, weight) in produce {
            add_arc(&mut transition.outputs, place, weight);
        }
        net.transitions.push(transition);
    }
    Ok(net)
}

/// `place:weight, place, …;` (a missing weight is 1), up to and including the `;`.
fn arcs(lexer: &mut Lexer, index: &std::collections::HashMap<String, usize>) -> Result<Vec<(usize, u64)>, ImportError> {
    let mut arcs = Vec::new();
    loop {
        let line = lexer.line();
        let name = lexer.word("a place name")?;
        let Some(&place) = index.get(&name) else {
            return Err(ImportError::Syntax { line, message: format!("undeclared place `{name}`") });
        };
        let weight = if lexer.eat(':') { lexer.number()? } else { 1 };
        arcs.push((place, weight));
        if lexer.eat(',') {
            continue;
        }
        lexer.expect(';')?;
        return Ok(arcs);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "{ a net }\nPLACE\n  alpha, work,\n  omega;\n\nMARKING\n  alpha:1;\n\nTRANSITION start\n  CONSUME alpha:1;\n  PRODUCE work:1;\n\nTRANSITION finish\n  CONSUME work;\n  PRODUCE omega:1, omega:1;\n{ END OF FILE }\n";

    #[test]
    fn a_small_net_is_read_with_lines_and_weights() {
        let mut notes = Vec::new();
        let net = parse(SMALL, "small", &mut notes).expect("parses");
        let places: Vec<(&str, u32, u64)> = net.places.iter().map(|p| (p.id.as_str(), p.line, p.tokens)).collect();
        assert_eq!(places, [("alpha", 3, 1), ("work", 3, 0), ("omega", 4, 0)]);
        let finish = &net.transitions[1];
        assert_eq!((finish.id.as_str(), finish.line), ("finish", 13));
        assert_eq!(finish.inputs, [(1, 1)]);
        assert_eq!(finish.outputs, [(2, 2)], "repeated arcs add up");
        assert!(notes.is_empty());
    }

    #[test]
    fn mistakes_are_reported_with_their_line() {
        let cases = [
            ("PLACE a;\nMARKING b:1;\n", 2, "undeclared place `b`"),
            ("PLACE a;\nMARKING a:x;\n", 2, "expected a number of tokens, found `x`"),
            ("PLACE a\nMARKING a:1;\n", 2, "expected `;`, found `MARKING`"),
            (
                "PLACE a;\nMARKING a:1;\nTRANSITION t\n  CONSUME a:1;\n",
                4,
                "expected `PRODUCE`, found the end of the file",
            ),
            ("{ never closed\nPLACE a;", 1, "comment `{` is never closed"),
        ];
        for (text, line, message) in cases {
            let error = parse(text, "x", &mut Vec::new()).unwrap_err();
            assert_eq!(error, ImportError::Syntax { line, message: message.into() }, "{text}");
        }
    }

    #[test]
    fn capacities_and_fairness_are_noted() {
        let text = "PLACE SAFE 1 : a, b;\nMARKING a:1;\nTRANSITION t STRONG FAIR\nCONSUME a:1;\nPRODUCE b:1;\n";
        let mut notes = Vec::new();
        let net = parse(text, "x", &mut notes).expect("parses");
        assert_eq!(net.places.len(), 2);
        let kinds: Vec<&str> = notes.iter().map(|n| n.element.as_str()).collect();
        assert_eq!(kinds, ["capacity", "transition"]);
    }
}
