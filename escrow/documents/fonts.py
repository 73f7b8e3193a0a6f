"""The fonts every generated PDF embeds, resolved in one place.

An instrument is evidence (EA 3.1(b), SPA 10.2): it must read the same in any viewer, so every font is a
TrueType file embedded (subset) in the PDF, never a viewer's substitute. reportlab embeds TrueType outlines
only (not CFF OpenType such as Noto CJK), hence DejaVu for Latin and AR PL UMing CN (a Song/Ming face, as
Chinese contracts are set) for Chinese, both Debian packages that `bin/lib.sh` (`ensure_fonts`) installs.
`settings.PDF_FONT_FILES` may point a face at another file; a missing file is a clear error at render time,
never at import (so `manage.py check` runs on a machine without them).
"""

import re
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

SERIF, SERIF_BOLD, SANS, SANS_BOLD, CJK = "Serif", "Serif-Bold", "Sans", "Sans-Bold", "CJK"

# name -> (file, index in a TrueType collection, Debian package that ships it)
FONT_FILES = {
    SERIF: ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0, "fonts-dejavu-core"),
    SERIF_BOLD: ("/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf", 0, "fonts-dejavu-core"),
    SANS: ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 0, "fonts-dejavu-core"),
    SANS_BOLD: ("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 0, "fonts-dejavu-core"),
    # uming.ttc holds UMing CN (0, simplified Chinese glyph forms), HK, TW and TW MBE.
    CJK: ("/usr/share/fonts/truetype/arphic/uming.ttc", 0, "fonts-arphic-uming"),
}

# CJK ideographs and punctuation, full-width forms: set in the CJK face; Latin, digits and symbols in DejaVu.
CJK_RUN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]+")


class FontMissing(RuntimeError):
    """A font file the PDFs embed is not on this machine."""


def font_files() -> dict:
    """The faces and their files, with any settings.PDF_FONT_FILES override ({name: path or (path, index)})."""
    files = dict(FONT_FILES)
    for name, value in getattr(settings, "PDF_FONT_FILES", {}).items():
        path, index = (value, 0) if isinstance(value, str) else value
        files[name] = (path, index, FONT_FILES.get(name, ("", 0, "?"))[2])
    return files


def missing_fonts() -> list:
    """Human-readable lines for every font file that is not there (empty when all are)."""
    return [
        f"{name}: {path} (Debian package {package})"
        for name, (path, _index, package) in font_files().items()
        if not Path(path).is_file()
    ]


@cache
def register() -> None:
    """Register every face once per process; raise FontMissing naming each absent file and its package."""
    missing = missing_fonts()
    if missing:
        packages = sorted({line.rsplit("package ", 1)[1].rstrip(")") for line in missing})
        raise FontMissing(
            "The PDF fonts are not installed: "
            + "; ".join(missing)
            + f". Install them with `apt-get install {' '.join(packages)}` (bin/test and bin/demo do it), "
            "or set PDF_FONT_FILES in the settings."
        )
    for name, (path, index, _package) in font_files().items():
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=index))
    for regular, bold in ((SERIF, SERIF_BOLD), (SANS, SANS_BOLD), (CJK, CJK)):
        # <b> inside a paragraph picks the bold face; Chinese has one weight (no faked bold).
        for is_bold, is_italic in ((0, 0), (0, 1), (1, 0), (1, 1)):
            addMapping(regular, is_bold, is_italic, bold if is_bold else regular)


def markup(value) -> str:
    """Paragraph markup for mixed English and Chinese text, escaped: Chinese runs in the CJK face."""
    return CJK_RUN.sub(lambda m: f'<font name="{CJK}">{m.group(0)}</font>', escape(str(value)))
