"""The generated joint instruction (EA 3.1(b)): bilingual, Chinese in a CJK font, same bytes for the
same content (so its hash identifies it)."""

import io

import pytest
from pypdf import PdfReader

from tests.conftest import open_and_file, tranche

pytestmark = pytest.mark.django_db


def test_instruction_pdf_carries_the_quantity_in_both_languages(deposited, people):
    open_and_file(deposited, people, 1, "598500000")
    instruction = tranche(deposited, 1).instruments.get(kind="joint_instruction")
    reader = PdfReader(io.BytesIO(instruction.document.file.read()))
    page = reader.pages[0]
    text = page.extract_text()
    assert "Joint Written Instruction (EA 3.1(b))" in text and "2,700,000" in text
    assert "联合书面指示" in text and "释放股份数" in text
    fonts = {str(f["/BaseFont"]) for f in page["/Resources"]["/Font"].get_object().values()}
    assert "/STSong-Light" in fonts and "/Helvetica" in fonts
