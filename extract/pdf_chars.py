"""The fast PDF text layer: a page's characters read by pdfminer straight into the few fields the loader
uses, instead of through pdfplumber's generic conversion of every layout object.

pdfplumber turns each pdfminer object into a dict of every attribute it knows (colours, colour spaces,
marked-content ids...), resolving each value on the way; on a text-heavy page that conversion costs
about as much as pdfminer's own reading of the content stream. Here pdfminer runs as usual, but each
character is turned at once into a dict of the attributes word extraction and the loader read, with
pdfplumber's own arithmetic for the page coordinates; paths, images and figures still go through
pdfplumber, so the table finder sees exactly what it sees on the default path. The result is the same
words, to the last bit, as `page.extract_words` on the default path (tests/test_fast_path.py checks it
on every corpus PDF).

Why not pypdfium2, whose text layer is an order of magnitude faster: pdfium's text page is not the
content stream's glyphs but pdfium's reading of them. It deletes a real space that follows a space it
generated, drops glyphs drawn twice at nearly the same place and text objects repeated for fake bold,
reorders text objects within a line, replaces marked content by its /ActualText, swallows a lone hyphen
object after a line break, and takes font descents from the font program where pdfminer takes the font
descriptor's (0 when it has none); its positions are 32-bit floats. Words built from it differed on
every page of the corpus, so records could not be kept identical.
"""

from __future__ import annotations

from pdfminer.layout import LTChar
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfplumber.page import Page, PDFPageAggregatorWithMarkedContent, fix_fontname_bytes
from pdfplumber.utils.exceptions import PdfminerException


class _CharReader(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's page device, except that characters become char dicts instead of layout objects."""

    def __init__(self, page: Page) -> None:
        super().__init__(page.pdf.rsrcmgr, pageno=page.page_number, laparams=page.pdf.laparams)
        self.chars: list[dict] = []
        self._page_number = page.page_number
        self._height = page.height
        self._x_shift, self._top_shift = page.mediabox[:2]
        self._initial_doctop = page.initial_doctop

    def render_char(self, *args, **kwargs) -> float:  # type: ignore[override]
        # pdfminer builds the character (its text, width and box) as on the default path; it is then
        # taken back out of the layout so that pdfplumber's conversion never sees it.
        adv = super().render_char(*args, **kwargs)
        item = self.cur_item._objs.pop()
        self.chars.append(self._char(item))
        return adv

    def _char(self, item: LTChar) -> dict:
        # The same values as pdfplumber.Page.process_object computes for a char (see its #1181 note on
        # the mediabox shift), limited to what word extraction and the loader read.
        top = (self._height - item.y1) + self._top_shift
        x0, x1 = item.x0, item.x1
        if self._x_shift != 0:
            x0, x1 = x0 + self._x_shift, x1 + self._x_shift
        fontname = item.fontname
        if isinstance(fontname, bytes):
            fontname = fix_fontname_bytes(fontname)
        return {
            "object_type": "char",
            "page_number": self._page_number,
            "text": item.get_text(),
            "fontname": fontname,
            "size": item.size,
            "upright": item.upright,
            "x0": x0,
            "x1": x1,
            "y0": item.y0,
            "y1": item.y1,
            "width": item.width,
            "height": item.height,
            "top": top,
            "bottom": (self._height - item.y0) + self._top_shift,
            "doctop": self._initial_doctop + top,
        }


def read_text_layer(page: Page) -> None:
    """Fill `page`'s layout and objects by the fast route; pdfplumber then works on them as usual
    (`page.chars`, `page.extract_words`, `page.find_tables`)."""
    # The loader opens PDFs with neither: layout analysis would group the chars taken out of the layout,
    # and pdfplumber would normalize each char's text.
    if page.pdf.laparams is not None or page.pdf.unicode_norm is not None:
        raise ValueError("the fast PDF text layer needs a PDF opened without laparams and unicode_norm")
    reader = _CharReader(page)
    try:
        PDFPageInterpreter(page.pdf.rsrcmgr, reader).process_page(page.page_obj)
    except Exception as error:  # what pdfplumber's Page.layout does with pdfminer's errors
        raise PdfminerException(error) from error
    # pdfplumber's own cache attributes: the properties `layout` and `objects` return them from now on.
    page._layout = reader.get_result()
    objects = page.parse_objects()
    if reader.chars:
        objects["char"] = reader.chars
    page._objects = objects
