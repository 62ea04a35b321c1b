//! Structural chunking: an article body is cut at headings and, inside a long
//! section, between paragraphs/lists/code blocks, with the previous block
//! repeated at the start of the next chunk (overlap). Every chunk is an exact
//! slice of the body and knows its character offsets and the headings above it.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// How big chunks are.
#[derive(Debug, Clone, Copy)]
pub struct ChunkOptions {
    /// A section longer than this many bytes is split between blocks.
    pub max_bytes: usize,
    /// The last block of a chunk is repeated in the next when it is at most this long.
    pub overlap_bytes: usize,
}

impl Default for ChunkOptions {
    fn default() -> Self {
        Self {
            max_bytes: 900,
            overlap_bytes: 320,
        }
    }
}

/// One piece of an article body.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    /// Position within the article (0-based).
    pub index: u32,
    /// Character offsets into the body: `text == body.chars().skip(start).take(end - start)`.
    pub start: u32,
    pub end: u32,
    /// Headings above the chunk, outermost first.
    pub headings: Vec<String>,
    pub text: String,
}

#[derive(Debug, Clone)]
struct Block {
    start: usize,
    end: usize,
    heading: Option<(usize, String)>,
}

/// Cuts `body` (Markdown or plain text) into chunks.
pub fn chunk(body: &str, options: &ChunkOptions) -> Vec<Chunk> {
    let blocks = split_long(body, top_level_blocks(body), options.max_bytes);
    let char_starts: Vec<usize> = body.char_indices().map(|(b, _)| b).collect();
    let to_char =
        |b: usize| u32::try_from(char_starts.partition_point(|&x| x < b)).unwrap_or(u32::MAX);

    let mut out = Vec::new();
    let mut stack: Vec<(usize, String)> = Vec::new();
    let mut current: Vec<&Block> = Vec::new();
    let mut current_headings: Vec<String> = Vec::new();
    let emit = |blocks: &[&Block], headings: &[String], out: &mut Vec<Chunk>| {
        let (Some(first), Some(last)) = (blocks.first(), blocks.last()) else {
            return;
        };
        if blocks.iter().all(|b| b.heading.is_some()) {
            return;
        }
        let (s, e) = (first.start, last.end);
        out.push(Chunk {
            index: u32::try_from(out.len()).unwrap_or(u32::MAX),
            start: to_char(s),
            end: to_char(e),
            headings: headings.to_vec(),
            text: body[s..e].to_owned(),
        });
    };
    for block in &blocks {
        if let Some((level, text)) = &block.heading {
            let only_headings = current.iter().all(|b| b.heading.is_some());
            if !only_headings {
                emit(&current, &current_headings, &mut out);
                current.clear();
            }
            stack.retain(|(l, _)| l < level);
            stack.push((*level, text.clone()));
            current_headings = stack.iter().map(|(_, t)| t.clone()).collect();
            current.push(block);
            continue;
        }
        let size = current
            .first()
            .map_or(0, |f| block.end.saturating_sub(f.start));
        let has_content = current.iter().any(|b| b.heading.is_none());
        if has_content && size > options.max_bytes {
            emit(&current, &current_headings, &mut out);
            let last = current.last().copied();
            current.clear();
            if let Some(last) =
                last.filter(|l| l.heading.is_none() && l.end - l.start <= options.overlap_bytes)
            {
                current.push(last);
            }
        }
        current.push(block);
    }
    emit(&current, &current_headings, &mut out);
    if out.is_empty() && !body.trim().is_empty() {
        let (s, e) = trimmed(body, 0, body.len());
        out.push(Chunk {
            index: 0,
            start: to_char(s),
            end: to_char(e),
            headings: Vec::new(),
            text: body[s..e].to_owned(),
        });
    }
    out
}

/// The byte ranges of the top-level Markdown blocks, headings with their text.
fn top_level_blocks(body: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut depth = 0usize;
    let mut heading: Option<(usize, String, usize, usize)> = None;
    for (event, range) in
        Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
            .into_offset_iter()
    {
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    match tag {
                        Tag::Heading { level, .. } => {
                            heading = Some((level as usize, String::new(), range.start, range.end));
                        }
                        _ => blocks.push(Block {
                            start: range.start,
                            end: range.end,
                            heading: None,
                        }),
                    }
                }
                depth += 1;
            }
            Event::End(tag) => {
                depth = depth.saturating_sub(1);
                if depth == 0 && matches!(tag, TagEnd::Heading(_)) {
                    if let Some((level, text, s, e)) = heading.take() {
                        blocks.push(Block {
                            start: s,
                            end: e,
                            heading: Some((level, text.trim().to_owned())),
                        });
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, text, _, _)) = heading.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::Rule | Event::Html(_) if depth == 0 => blocks.push(Block {
                start: range.start,
                end: range.end,
                heading: None,
            }),
            _ => {}
        }
    }
    blocks
        .into_iter()
        .filter_map(|b| {
            let (s, e) = trimmed(body, b.start, b.end);
            (s < e).then_some(Block {
                start: s,
                end: e,
                ..b
            })
        })
        .collect()
}

/// Splits blocks longer than `max` at line or sentence ends.
fn split_long(body: &str, blocks: Vec<Block>, max: usize) -> Vec<Block> {
    let mut out = Vec::with_capacity(blocks.len());
    for b in blocks {
        if b.heading.is_some() || b.end - b.start <= max {
            out.push(b);
            continue;
        }
        let mut s = b.start;
        while s < b.end {
            let mut e = b.end;
            if e - s > max {
                let window = &body[s..floor_char(body, s + max)];
                let cut = window
                    .rfind('\n')
                    .or_else(|| window.rfind(". ").map(|i| i + 1))
                    .or_else(|| window.rfind(' '))
                    .filter(|&i| i > max / 4)
                    .map_or(window.len(), |i| i + 1);
                e = s + cut;
            }
            let (ts, te) = trimmed(body, s, e);
            if ts < te {
                out.push(Block {
                    start: ts,
                    end: te,
                    heading: None,
                });
            }
            s = e;
        }
    }
    out
}

fn floor_char(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn trimmed(body: &str, s: usize, e: usize) -> (usize, usize) {
    let slice = &body[s..e];
    let lead = slice.len() - slice.trim_start().len();
    let trail = slice.len() - slice.trim_end().len();
    if lead + trail >= slice.len() {
        (s, s)
    } else {
        (s + lead, e - trail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(body: &str, c: &Chunk) -> String {
        body.chars()
            .skip(c.start as usize)
            .take((c.end - c.start) as usize)
            .collect()
    }

    #[test]
    fn cuts_at_headings_and_keeps_exact_offsets() {
        let body = "Intro with é accents.\n\n# Reset\n\nOpen Setup.\n\n## From the app\n\n1. Tap profile\n2. Tap reset\n\n## Admins\n\nUse Users.";
        let chunks = chunk(body, &ChunkOptions::default());
        assert_eq!(chunks.len(), 4, "{chunks:#?}");
        for c in &chunks {
            assert_eq!(slice(body, c), c.text);
        }
        assert_eq!(chunks[0].text, "Intro with é accents.");
        assert!(chunks[0].headings.is_empty());
        assert_eq!(chunks[1].text, "# Reset\n\nOpen Setup.");
        assert_eq!(chunks[2].headings, ["Reset", "From the app"]);
        assert!(chunks[2].text.starts_with("## From the app"));
        assert_eq!(chunks[3].headings, ["Reset", "Admins"]);
        assert_eq!(
            chunks.iter().map(|c| c.index).collect::<Vec<_>>(),
            [0, 1, 2, 3]
        );
    }

    #[test]
    fn heading_followed_by_heading_is_not_a_chunk_of_its_own() {
        let body = "# Top\n\n## Sub\n\nText here.";
        let chunks = chunk(body, &ChunkOptions::default());
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].text, body);
        assert_eq!(chunks[0].headings, ["Top", "Sub"]);
    }

    #[test]
    fn long_sections_split_between_blocks_with_overlap() {
        let para =
            |i: usize| format!("Paragraph {i} says something useful about limits and errors.");
        let body = format!(
            "## Long\n\n{}",
            (0..40).map(para).collect::<Vec<_>>().join("\n\n")
        );
        let chunks = chunk(
            &body,
            &ChunkOptions {
                max_bytes: 300,
                overlap_bytes: 100,
            },
        );
        assert!(chunks.len() > 5);
        for w in chunks.windows(2) {
            assert!(w[1].start < w[0].end, "consecutive chunks overlap");
            let last_para = w[0].text.rsplit("\n\n").next().unwrap();
            assert!(w[1].text.starts_with(last_para));
        }
        for c in &chunks {
            assert!(c.text.len() <= 300 + 100, "{}", c.text.len());
            assert_eq!(c.headings, ["Long"]);
            assert_eq!(slice(&body, c), c.text);
        }
        assert!(chunks
            .last()
            .unwrap()
            .text
            .ends_with("Paragraph 39 says something useful about limits and errors."));
    }

    #[test]
    fn one_huge_block_is_split_at_sentences() {
        let body = "Sentence number one is here. ".repeat(200);
        let chunks = chunk(
            &body,
            &ChunkOptions {
                max_bytes: 500,
                overlap_bytes: 100,
            },
        );
        assert!(chunks.len() >= 10);
        for c in &chunks {
            assert!(c.text.len() <= 500);
            assert_eq!(slice(&body, c), c.text);
        }
    }

    #[test]
    fn plain_text_and_odd_input() {
        assert!(chunk("", &ChunkOptions::default()).is_empty());
        assert!(chunk("   \n\n ", &ChunkOptions::default()).is_empty());
        let c = chunk("just text", &ChunkOptions::default());
        assert_eq!(c[0].text, "just text");
        let weird = "\u{0}\u{1}```\nunterminated code ✓\n# not a heading inside";
        for c in chunk(weird, &ChunkOptions::default()) {
            assert_eq!(slice(weird, &c), c.text);
        }
    }
}
