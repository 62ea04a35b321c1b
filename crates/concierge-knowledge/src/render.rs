//! An article's Markdown body as safe HTML for the public help center.
//!
//! Raw HTML in an article is shown as text, never passed through, and links
//! keep only `http`, `https`, `mailto` and relative targets, so an article
//! (which admins and Salesforce imports write) cannot inject script into the
//! page.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

/// Renders Markdown to HTML with raw HTML escaped and unsafe link targets dropped.
pub fn markdown_to_safe_html(markdown: &str) -> String {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
    .map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        }),
        other => other,
    });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let lower = url.trim().to_ascii_lowercase();
    let has_scheme = lower.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.contains('/') && !scheme.contains('?') && !scheme.contains('#')
    });
    let allowed = ["http:", "https:", "mailto:"]
        .iter()
        .any(|s| lower.starts_with(s));
    if has_scheme && !allowed {
        CowStr::Borrowed("#")
    } else {
        url
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = markdown_to_safe_html(
            "## Steps\n\n1. Open **Setup**\n2. Click [here](https://example.com/a)\n",
        );
        assert!(html.contains("<h2>Steps</h2>"), "{html}");
        assert!(html.contains("<strong>Setup</strong>"), "{html}");
        assert!(
            html.contains(r#"<a href="https://example.com/a">here</a>"#),
            "{html}"
        );
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html =
            markdown_to_safe_html("Hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn script_links_are_dropped() {
        let html = markdown_to_safe_html(
            "[x](javascript:alert(1)) [y](JavaScript:alert(2)) [z](/help/a) [m](mailto:a@b.c)",
        );
        assert!(!html.to_ascii_lowercase().contains("javascript:"), "{html}");
        assert!(html.contains(r#"href="/help/a""#), "{html}");
        assert!(html.contains(r#"href="mailto:a@b.c""#), "{html}");
    }
}
