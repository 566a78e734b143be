"""Detail-page metadata extraction for Chinese government websites.

Public API: :func:`extract_detail` (page → :class:`DetailExtract`),
:func:`decode_html` (bytes → text) and :func:`extract_file` (file → JSON dict).
"""

from .cli import extract_file
from .decode import decode_html
from .fields import extract_detail
from .model import Attachment, DetailExtract, Field

__all__ = ["Attachment", "DetailExtract", "Field", "decode_html", "extract_detail", "extract_file"]
