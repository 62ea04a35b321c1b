#!/usr/bin/env python3
"""Validate the Concierge demo knowledge base and its retrieval evaluation set.

Usage: python3 check.py [DEMO_DIR]

Checks every article in articles/*.md (front matter, slug, category, language,
translation links, dates, body structure and length) and every line of
eval.jsonl (valid JSON, known slugs, coverage per article). Prints a summary
and exits with status 1 if anything is wrong. Python 3.11 standard library only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

CATEGORIES = {
    "login", "mfa", "password", "users", "licences", "permissions", "sharing",
    "api", "governor-limits", "apex", "deployment", "data", "reports", "email",
    "integrations", "billing", "plans", "status", "cases", "security", "concierge",
}
LANGUAGES = {"en", "es", "fr", "de"}
REQUIRED = ["slug", "title", "category", "tags", "language", "version", "updated"]
OPTIONAL = {"expires", "translation_of", "source_url"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EN_WORDS = (250, 700)
TRANSLATION_WORDS = (150, 900)
MIN_ARTICLES = 64
MIN_EVAL = 170
# Expiry is judged against the newest `updated` date in the base (the day the
# base was last edited), not the wall clock, so the check gives the same answer
# next year: exactly one article was already out of date when it was written.


class Problems:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.warnings: list[str] = []

    def error(self, where: str, msg: str) -> None:
        self.errors.append(f"{where}: {msg}")

    def warn(self, where: str, msg: str) -> None:
        self.warnings.append(f"{where}: {msg}")


def parse_scalar(raw: str):
    raw = raw.strip()
    if raw.startswith("[") and raw.endswith("]"):
        inner = raw[1:-1].strip()
        return [item.strip().strip("'\"") for item in inner.split(",") if item.strip()] if inner else []
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        return raw[1:-1]
    return raw


def split_front_matter(text: str, where: str, p: Problems):
    """Return (fields, body) for the small YAML subset the articles use."""
    if not text.startswith("---\n"):
        p.error(where, "does not start with a '---' front-matter line")
        return None, ""
    end = text.find("\n---\n", 4)
    if end < 0:
        p.error(where, "front matter is not closed by a '---' line")
        return None, ""
    fields: dict[str, object] = {}
    for n, line in enumerate(text[4:end].split("\n"), start=2):
        if not line.strip():
            continue
        m = re.match(r"^([a-z_]+):\s*(.*)$", line)
        if not m:
            p.error(where, f"front-matter line {n} is not 'key: value': {line!r}")
            continue
        key, value = m.group(1), m.group(2)
        v = value.strip()
        if v[:1] in ("'", '"') and (len(v) < 2 or v[-1] != v[0]):
            p.error(where, f"front-matter line {n}: a value that starts with a quote must be one quoted string: {line!r}")
        elif v[:1] not in ("'", '"', "[") and (": " in v or " #" in v or v[:1] in "&*!|>%@`{"):
            p.error(where, f"front-matter line {n}: quote this value, it is not a plain YAML scalar: {line!r}")
        if key in fields:
            p.error(where, f"front-matter key {key!r} repeated")
        fields[key] = parse_scalar(value)
    return fields, text[end + 5:]


def word_count(body: str) -> int:
    return len(re.findall(r"[^\W_]+(?:['’][^\W_]+)*", body))


def check_date(value, where: str, key: str, p: Problems):
    if not isinstance(value, str) or not DATE_RE.match(value):
        p.error(where, f"{key} is not a YYYY-MM-DD date: {value!r}")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        p.error(where, f"{key} is not a real date: {value!r}")
        return None


def check_articles(articles_dir: Path, p: Problems):
    articles: dict[str, dict] = {}
    files = sorted(articles_dir.glob("*.md"))
    if not files:
        p.error(str(articles_dir), "no articles found")
    for path in files:
        where = f"articles/{path.name}"
        text = path.read_text(encoding="utf-8")
        if "\r" in text:
            p.error(where, "contains carriage returns; use LF line endings")
        fields, body = split_front_matter(text, where, p)
        if fields is None:
            continue
        for key in REQUIRED:
            if key not in fields or fields[key] in ("", []):
                p.error(where, f"missing front-matter field {key!r}")
        for key in fields:
            if key not in REQUIRED and key not in OPTIONAL:
                p.error(where, f"unknown front-matter field {key!r}")
        slug = fields.get("slug", "")
        expected_slug = path.name[: -len(".md")].replace(".", "-")
        if slug != expected_slug:
            p.error(where, f"slug {slug!r} does not match the file name (expected {expected_slug!r})")
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            p.error(where, f"slug {slug!r} is not lowercase ASCII letters, digits and hyphens")
        if slug in articles:
            p.error(where, f"duplicate slug {slug!r}")
        if fields.get("category") not in CATEGORIES:
            p.error(where, f"category {fields.get('category')!r} is not in the closed list")
        lang = fields.get("language")
        if lang not in LANGUAGES:
            p.error(where, f"language {lang!r} is not one of {sorted(LANGUAGES)}")
        # The demo articles are published by Concierge's own help center
        # (/help/{org}/{article}); an article that lives elsewhere names it.
        if "source_url" in fields and not str(fields["source_url"]).startswith("https://"):
            p.error(where, "source_url, when given, must be an https:// URL")
        tags = fields.get("tags")
        if not isinstance(tags, list) or not tags:
            p.error(where, "tags must be a non-empty [a, b] list")
        elif any(not SLUG_RE.match(t) for t in tags):
            p.error(where, f"tags must be lowercase hyphenated words: {tags}")
        version = fields.get("version")
        if not (isinstance(version, str) and version.isdigit() and int(version) >= 1):
            p.error(where, f"version must be a positive integer: {version!r}")
        updated = check_date(fields.get("updated"), where, "updated", p)
        expires = None
        if "expires" in fields:
            expires = check_date(fields["expires"], where, "expires", p)
            if updated and expires and expires <= updated:
                p.error(where, "expires is not after updated")
        if updated and updated > dt.date.today():
            p.warn(where, f"updated {updated} is in the future")
        if lang == "en" and "translation_of" in fields:
            p.error(where, "an English article must not have translation_of")
        if lang in LANGUAGES - {"en"}:
            if "translation_of" not in fields:
                p.error(where, "a translated article needs translation_of")
            elif not str(slug).endswith("-" + str(lang)):
                p.error(where, f"a {lang} translation's slug should end in -{lang}")
        # Body structure.
        words = word_count(body)
        lo, hi = EN_WORDS if lang == "en" else TRANSLATION_WORDS
        if not lo <= words <= hi:
            p.error(where, f"body has {words} words, expected {lo}–{hi}")
        lines = body.strip().split("\n")
        if not lines or lines[0].startswith("#"):
            p.error(where, "body should open with an intro paragraph, not a heading")
        if len(re.findall(r"^## \S", body, re.M)) < 2:
            p.error(where, "body needs at least two '## ' sections")
        if re.search(r"^# \S", body, re.M):
            p.error(where, "use '##' headings; the title lives in the front matter")
        if not re.search(r"^(\d+\.|[-*]) \S", body, re.M):
            p.warn(where, "body has no numbered steps or bullet list")
        articles[str(slug)] = {"fields": fields, "words": words, "expires": expires,
                               "updated": updated, "path": path}
    # Cross-article checks.
    for slug, art in articles.items():
        target = art["fields"].get("translation_of")
        if target is None:
            continue
        where = f"articles/{art['path'].name}"
        if target not in articles:
            p.error(where, f"translation_of {target!r} is not an existing slug")
        elif articles[target]["fields"].get("language") != "en":
            p.error(where, f"translation_of {target!r} is not an English article")
        elif articles[target]["fields"].get("category") != art["fields"].get("category"):
            p.error(where, "a translation should keep the original's category")
    return articles


def check_eval(path: Path, articles: dict[str, dict], ref: dt.date, p: Problems):
    hits: Counter[str] = Counter()
    questions = 0
    seen: set[str] = set()
    if not path.exists():
        p.error(path.name, "missing")
        return hits, questions
    for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        where = f"{path.name}:{n}"
        if not line.strip():
            if n != len(path.read_text(encoding="utf-8").split("\n")):
                p.error(where, "blank line")
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as e:
            p.error(where, f"invalid JSON: {e}")
            continue
        if not isinstance(item, dict) or set(item) != {"question", "relevant"}:
            p.error(where, "each line must be an object with exactly 'question' and 'relevant'")
            continue
        q, rel = item["question"], item["relevant"]
        if not isinstance(q, str) or not q.strip():
            p.error(where, "question must be a non-empty string")
            continue
        if not isinstance(rel, list) or not rel or not all(isinstance(s, str) for s in rel):
            p.error(where, "relevant must be a non-empty list of slugs")
            continue
        key = q.strip().lower()
        if key in seen:
            p.error(where, f"duplicate question {q!r}")
        seen.add(key)
        if len(set(rel)) != len(rel):
            p.error(where, "relevant lists a slug twice")
        questions += 1
        live = []
        for slug in rel:
            if slug not in articles:
                p.error(where, f"unknown slug {slug!r}")
                continue
            hits[slug] += 1
            exp = articles[slug]["expires"]
            if exp is None or exp >= ref:
                live.append(slug)
        if rel and not live and all(s in articles for s in rel):
            p.error(where, "every relevant article has expired; an unexpired answer is needed")
        # A translated article should be paired with its English original.
        for slug in rel:
            orig = articles.get(slug, {}).get("fields", {}).get("translation_of")
            if orig and orig not in rel:
                p.warn(where, f"{slug} is relevant but its original {orig} is not listed")
        title_overlap(q, rel, articles, where, p)
    return hits, questions


def title_overlap(q: str, rel: list[str], articles: dict[str, dict], where: str, p: Problems):
    """Warn when a question is little more than an article title."""
    qn = " ".join(re.findall(r"\w+", q.lower()))
    for slug in rel:
        title = articles.get(slug, {}).get("fields", {}).get("title", "")
        tn = " ".join(re.findall(r"\w+", str(title).lower()))
        if tn and tn in qn:
            p.warn(where, f"question repeats the title of {slug!r} verbatim")


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
    p = Problems()
    articles = check_articles(root / "articles", p)
    ref = max((a["updated"] for a in articles.values() if a["updated"]), default=dt.date.today())
    hits, questions = check_eval(root / "eval.jsonl", articles, ref, p)

    by_lang = Counter(a["fields"].get("language") for a in articles.values())
    by_cat = Counter(a["fields"].get("category") for a in articles.values())
    english = {s: a for s, a in articles.items() if a["fields"].get("language") == "en"}
    expired = sorted(s for s, a in articles.items() if a["expires"] and a["expires"] < ref)
    expiring = sorted(s for s, a in articles.items() if a["expires"] and a["expires"] >= ref)

    if len(english) < MIN_ARTICLES:
        p.error("articles", f"{len(english)} English articles, need at least {MIN_ARTICLES}")
    for lang, need in (("es", 3), ("fr", 3), ("de", 2)):
        if by_lang.get(lang, 0) < need:
            p.error("articles", f"{by_lang.get(lang, 0)} {lang} translations, need at least {need}")
    if len(expired) != 1:
        p.error("articles", f"exactly one article should already have expired, found {expired}")
    if questions < MIN_EVAL:
        p.error("eval.jsonl", f"{questions} questions, need at least {MIN_EVAL}")
    for slug in sorted(english):
        if hits[slug] == 0 and slug not in expired:
            p.error("eval.jsonl", f"no question covers {slug!r}")
    for slug in sorted(set(articles) - set(english)):
        if hits[slug] == 0:
            p.error("eval.jsonl", f"no question covers the translation {slug!r}")
    covered_twice = sum(1 for s in english if hits[s] >= 2)

    words = [a["words"] for a in english.values()]
    print(f"articles: {len(articles)} ({', '.join(f'{k} {v}' for k, v in sorted(by_lang.items()))})")
    print("categories: " + ", ".join(f"{k} {v}" for k, v in sorted(by_cat.items())))
    if words:
        print(f"English body words: min {min(words)}, median {sorted(words)[len(words) // 2]}, max {max(words)}")
    print(f"reference date (newest update): {ref}")
    print(f"expired: {', '.join(expired) or '-'}; expiring later: {', '.join(expiring) or '-'}")
    print(f"eval questions: {questions}; English articles covered 2+ times: {covered_twice}/{len(english)}; "
          f"max per article: {max(hits.values()) if hits else 0}")
    for w in p.warnings:
        print(f"warning: {w}")
    for e in p.errors:
        print(f"error: {e}")
    if p.errors:
        print(f"FAILED: {len(p.errors)} problem(s)")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
