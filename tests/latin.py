"""Finds English left on a Chinese page: runs of three or more English words in what a reader reads.

Not counted, because a Chinese reader reads them as they are: text inside <code> (formulas' symbols,
hashes), <script> and <style>, attribute values (tooltips keep the English record), clause references
(`SPA 5.2(1)`, `EA 3.1(b)`), hexadecimal hashes, and the names passed in (people's and organisations'
names, which have no Chinese form on file). Shared by the view tests and the browser tests (issue 12).
"""

import re
from html.parser import HTMLParser

WORD = r"[A-Za-z][A-Za-z'’\-]*"
RUN = re.compile(rf"{WORD}(?:[\s,;:()/.&]+{WORD}){{2,}}")
CLAUSE = re.compile(r"\b(?:SPA|EA|RULES\.md|PRC Civil Code Art\.)\s*[\d.]+(?:\([a-z0-9]+\))*")
HEX = re.compile(r"\b[0-9a-f]{12,64}\b")
SKIPPED = {"code", "script", "style"}


class _Text(HTMLParser):
    def __init__(self, section=None):
        super().__init__(convert_charrefs=True)
        self.section, self.depth, self.inside, self.skip, self.chunks = section, 0, section is None, 0, []

    def handle_starttag(self, tag, attrs):
        if self.section is not None and not self.inside and dict(attrs).get("data-testid") == self.section:
            self.inside, self.depth = True, 0
        if self.inside and self.section is not None and tag not in VOID:
            self.depth += 1
        if tag in SKIPPED:
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skip -= 1
        if self.inside and self.section is not None and tag not in VOID:
            self.depth -= 1
            if self.depth == 0:
                self.inside = False

    def handle_data(self, data):
        if self.inside and not self.skip:
            self.chunks.append(data)


VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base"}


def readable_text(html: str, section: str | None = None) -> str:
    """The text a reader reads in the page (or in the element with data-testid=`section` and its content)."""
    parser = _Text(section)
    parser.feed(html)
    return "\n".join(" ".join(chunk.split()) for chunk in parser.chunks if chunk.strip())


def latin_sentences(html: str, section: str | None = None, names=()) -> list:
    """Runs of >= 3 English words outside codes, hashes, clause references and the given names."""
    text = readable_text(html, section)
    for name in sorted((n for n in names if n), key=len, reverse=True):
        text = text.replace(name, " · ")
    text = HEX.sub(" · ", CLAUSE.sub(" · ", text))
    return [run for line in text.splitlines() for run in RUN.findall(line)]


def kaixin_names(people=None) -> list:
    """The Kaixin world's names: organisations without a Chinese name on file, people, the deal's English
    name (shown as the deal's other name) and the target company."""
    from escrow.models import Deal
    from parties.models import Organisation

    names = [o.name for o in Organisation.objects.all()]
    names += [d.name for d in Deal.objects.all()] + [d.target_company for d in Deal.objects.all()]
    names += [n.split(" — ", 1)[-1] for n in names if " — " in n]
    for user in (people or {}).values():
        names += [user.get_full_name(), str(user), user.username]
    return names
