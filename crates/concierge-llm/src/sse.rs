//! A small incremental parser for server-sent events (the `text/event-stream`
//! format both providers stream in), written here rather than taken from a
//! crate so that it can bound memory: a line or an event larger than the
//! limit is an error instead of an ever-growing buffer.
//!
//! Feed it the body's bytes as they arrive, split anywhere (even inside a
//! UTF-8 character or a `\r\n`); it returns each complete event once.
//! Follows the WHATWG rules that matter for model APIs: `data:` lines join
//! with `\n`, one space after the colon is dropped, `:` lines are comments,
//! an event is dispatched at a blank line, and lines end in `\n`, `\r\n` or `\r`.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field (Anthropic names every event; OpenAI none).
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Data that cannot be an event stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    #[error("an event stream line or event exceeds {0} bytes")]
    TooLarge(usize),
    #[error("the event stream is not valid UTF-8")]
    InvalidUtf8,
}

/// The parser state between chunks.
#[derive(Debug)]
pub struct SseParser {
    line: Vec<u8>,
    after_cr: bool,
    event: Option<String>,
    data: String,
    has_data: bool,
    limit: usize,
}

impl SseParser {
    /// A parser refusing lines or events longer than `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            line: Vec::new(),
            after_cr: false,
            event: None,
            data: String::new(),
            has_data: false,
            limit,
        }
    }

    /// Consumes `chunk` and appends the events it completes to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        for &b in chunk {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.after_cr = b == b'\r';
                    let line = std::mem::take(&mut self.line);
                    self.end_line(&line, out)?;
                }
                _ => {
                    self.after_cr = false;
                    if self.line.len() >= self.limit {
                        return Err(SseError::TooLarge(self.limit));
                    }
                    self.line.push(b);
                }
            }
        }
        Ok(())
    }

    /// Whether bytes of an unfinished event are buffered (a stream that ends
    /// here was cut off mid-event).
    pub fn has_partial(&self) -> bool {
        !self.line.is_empty() || self.has_data
    }

    fn end_line(&mut self, line: &[u8], out: &mut Vec<SseEvent>) -> Result<(), SseError> {
        if line.is_empty() {
            if self.has_data {
                out.push(SseEvent {
                    event: self.event.take(),
                    data: std::mem::take(&mut self.data),
                });
            }
            self.event = None;
            self.has_data = false;
            return Ok(());
        }
        let line = std::str::from_utf8(line).map_err(|_| SseError::InvalidUtf8)?;
        if line.starts_with(':') {
            return Ok(());
        }
        let (field, value) = match line.find(':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(' ').unwrap_or(v))
            }
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                if self.data.len() + value.len() > self.limit {
                    return Err(SseError::TooLarge(self.limit));
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_owned()),
            // `id` and `retry` matter to browsers reconnecting, not to us.
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse_all(chunks: &[&[u8]]) -> Result<Vec<SseEvent>, SseError> {
        let mut p = SseParser::new(1 << 16);
        let mut out = Vec::new();
        for c in chunks {
            p.feed(c, &mut out)?;
        }
        Ok(out)
    }

    #[test]
    fn parses_named_and_unnamed_events_and_skips_comments() {
        let body = b": keep-alive\n\nevent: message_start\ndata: {\"a\":1}\n\ndata: one\ndata:two\n\ndata: [DONE]\n\n";
        let events = parse_all(&[body]).unwrap();
        assert_eq!(
            events,
            vec![
                SseEvent {
                    event: Some("message_start".into()),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    event: None,
                    data: "one\ntwo".into()
                },
                SseEvent {
                    event: None,
                    data: "[DONE]".into()
                },
            ]
        );
    }

    #[test]
    fn crlf_and_cr_line_endings() {
        let events = parse_all(&[b"data: a\r\n\r\ndata: b\r\rdata: c\n\n"]).unwrap();
        let data: Vec<_> = events.iter().map(|e| e.data.as_str()).collect();
        assert_eq!(data, ["a", "b", "c"]);
    }

    #[test]
    fn an_unterminated_event_is_partial_not_dispatched() {
        let mut p = SseParser::new(1024);
        let mut out = Vec::new();
        p.feed(b"data: {\"cut", &mut out).unwrap();
        assert!(out.is_empty());
        assert!(p.has_partial());
    }

    #[test]
    fn oversized_lines_are_refused() {
        let mut p = SseParser::new(16);
        let mut out = Vec::new();
        assert_eq!(p.feed(&[b'x'; 40], &mut out), Err(SseError::TooLarge(16)));
    }

    proptest! {
        /// However the bytes are split, the same events come out.
        #[test]
        fn splitting_never_changes_the_events(
            cuts in proptest::collection::vec(0usize..200, 0..12),
            texts in proptest::collection::vec("[a-zé€ {}\":,]{0,20}", 1..6),
            crlf in any::<bool>(),
        ) {
            let nl = if crlf { "\r\n" } else { "\n" };
            let mut body = String::new();
            for (i, t) in texts.iter().enumerate() {
                if i % 2 == 0 { body.push_str(&format!("event: e{i}{nl}")); }
                body.push_str(&format!("data: {t}{nl}{nl}"));
            }
            let whole = parse_all(&[body.as_bytes()]).unwrap();
            prop_assert_eq!(whole.len(), texts.len());
            let bytes = body.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (bytes.len() + 1)).collect();
            cuts.sort_unstable();
            let mut pieces = Vec::new();
            let mut last = 0;
            for c in cuts { pieces.push(&bytes[last..c]); last = c; }
            pieces.push(&bytes[last..]);
            prop_assert_eq!(parse_all(&pieces).unwrap(), whole);
        }
    }
}
