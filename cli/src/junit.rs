//! JUnit XML for CI systems: one `<testsuite>` per scenario file, one `<testcase>` per scenario,
//! and an `<error>` case for a file that could not be run. Written by hand: the format is small
//! and every text goes through `escape`.

use liucheng_engine::scenario::FileReport;

use crate::commands::test::{failure_text, Invalid};

/// Text made safe for XML attributes and content; characters XML 1.0 forbids are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn seconds(millis: u128) -> String {
    format!("{}.{:03}", millis / 1000, millis % 1000)
}

/// The whole report.
pub fn render(reports: &[FileReport], invalid: &[Invalid]) -> String {
    let tests: usize = reports.iter().map(|r| r.scenarios.len()).sum::<usize>() + invalid.len();
    let failures: usize = reports.iter().map(FileReport::failed).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"liucheng test\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{}\">\n",
        invalid.len()
    ));
    for file in invalid {
        let name = escape(&file.path.display().to_string());
        out.push_str(&format!("  <testsuite name=\"{name}\" tests=\"1\" failures=\"0\" errors=\"1\">\n"));
        out.push_str(&format!("    <testcase name=\"(file)\" classname=\"{name}\">\n"));
        let text: String = file
            .diagnostics
            .iter()
            .map(|d| {
                let at = d.line_column().map_or_else(String::new, |(l, c)| format!(":{l}:{c}"));
                let hint = d.problem.hint().map_or_else(String::new, |h| format!(" ({h})"));
                format!("{}{at}: error[{}]: {}{hint}\n", d.file.display(), d.problem.code(), d.problem)
            })
            .collect();
        out.push_str(&format!(
            "      <error message=\"invalid scenario file\" type=\"invalid\">{}</error>\n",
            escape(&text)
        ));
        out.push_str("    </testcase>\n  </testsuite>\n");
    }
    for r in reports {
        let millis: u128 = r.scenarios.iter().map(|s| s.millis).sum();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{}\">\n",
            escape(&r.file),
            r.scenarios.len(),
            r.failed(),
            seconds(millis)
        ));
        for s in &r.scenarios {
            let open = format!(
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\" line=\"{}\" time=\"{}\"",
                escape(&s.name),
                escape(&r.workflow),
                escape(&r.file),
                s.line,
                seconds(s.millis)
            );
            match &s.failure {
                None => out.push_str(&format!("{open}/>\n")),
                Some(f) => {
                    out.push_str(&format!("{open}>\n"));
                    out.push_str(&format!(
                        "      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                        escape(&format!("step {} ({}): {}", f.step, f.label, f.message)),
                        escape(f.refusal.as_ref().map_or("scenario-failed", |r| r.code.as_str())),
                        escape(&failure_text(&r.file, f))
                    ));
                    out.push_str("    </testcase>\n");
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_forbidden_characters_cannot_break_the_document() {
        assert_eq!(escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
        assert_eq!(escape("bell\u{7} tab\t 探亲"), "bell tab\t 探亲");
    }
}
