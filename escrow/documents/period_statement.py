"""A party's statement for a period as a PDF (issue 14 item 6), in the reader's language, every font embedded
(escrow.documents.layout: Latin in DejaVu, Chinese in AR PL UMing CN). The words come already rendered from
escrow.queries.statements (heading lines and sections, each a title, a header and rows)."""

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer, Table

from escrow.documents import layout
from escrow.documents.fonts import markup

WIDTH = 174  # mm of portrait A4 inside the margins


def render(heading: list, sections: list, *, footer: str) -> bytes:
    styles = layout.Styles()
    story = [layout.para(heading[0], styles.title)]
    story += [layout.para(line, styles.small) for line in heading[1:]]
    for section in sections:
        story.append(layout.para(section.title, styles.heading))
        if not section.rows:
            story.append(layout.para(section.empty, styles.small))
            continue
        data = [[Paragraph(markup(str(h)), styles.table_head) for h in section.header]]
        data += [[Paragraph(markup(str(c)), styles.table) for c in row] for row in section.rows]
        widths = [WIDTH / len(section.header) * mm] * len(section.header)
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(
            layout.table_style(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, layout.RULE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("BACKGROUND", (0, 0), (-1, 0), layout.SHADE),
                ]
            )
        )
        story += [Spacer(1, 1.5 * mm), table]
    return layout.build(story, title=str(heading[0]), footer=footer)
