"""The hostile upload corpus (``xaso.core.testing.hostile``, generated in code) through the
shared checker ``xaso.core.uploads.inspect``: with every kind (assessment evidence) and
with PDF and images only (residents' photos). Every file is refused with a Vietnamese
reason naming it, or accepted as something harmless. The endpoints (evidence upload,
the public report form) are tested in ``xaso/site/tests/test_hostile_upload_endpoints.py``.
"""

from __future__ import annotations

import pytest

from xaso.core.testing.hostile import Hostile, assert_neutralised, corpus
from xaso.core.uploads import ALL_KINDS, UploadRejected, inspect

LIMIT = 2 * 1024 * 1024
CORPUS = corpus(LIMIT)
PHOTOS = frozenset({"pdf", "image"})


def test_the_corpus_is_large_and_varied(capsys: pytest.CaptureFixture[str]) -> None:
    rejected = sum(c.expect == "reject" for c in CORPUS)
    with capsys.disabled():
        print(f"\nhostile upload corpus: {len(CORPUS)} files ({rejected} to refuse, "
              f"{len(CORPUS) - rejected} to neutralise)")  # fmt: skip
    assert len(CORPUS) >= 50
    assert {c.expect for c in CORPUS} == {"reject", "neutralise"}


@pytest.mark.parametrize("kinds", [ALL_KINDS, PHOTOS], ids=["evidence", "photos"])
@pytest.mark.parametrize("case", CORPUS, ids=[c.key for c in CORPUS])
def test_every_hostile_file_is_refused_or_neutralised(case: Hostile, kinds: frozenset[str]) -> None:
    if case.expect == "reject":
        with pytest.raises(UploadRejected) as info:
            inspect(case.name, case.data, limit=LIMIT, kinds=kinds)
        message = info.value.message
        # A Vietnamese sentence that says why; office files are refused for photos anyway.
        assert message.startswith(("Tệp", "Tên tệp", "Ảnh")), message
        assert case.reason in message or (kinds == PHOTOS and "không phải" in message), message
        return
    checked = inspect(case.name, case.data, limit=LIMIT, kinds=kinds)
    assert_neutralised(case, checked.name, checked.content_type, checked.data)
    # What is stored passes the checker again, unchanged in kind.
    again = inspect(checked.name, checked.data, limit=LIMIT, kinds=kinds)
    assert again.content_type == checked.content_type


def test_ordinary_files_still_pass() -> None:
    """The hardening refuses the corpus, not ordinary decisions, photos and workbooks."""
    from xaso.core.testing.hostile import CONTENT_TYPES, WORKBOOK, jpeg, pdf, png, zip_of

    hyperlink = (
        b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/hyperlink" Target="https://dichvucong.gov.vn/" '
        b'TargetMode="External"/></Relationships>'
    )
    fine = {
        "Quyết định số 12.2025 (bản chụp).pdf": pdf(b"<</Type/Page/OpenAction[2 0 R/Fit]>>"),
        "ảnh hiện trường.jpg": jpeg(),
        "sơ đồ.png": png(),
        "bảng số liệu.xlsx": zip_of({
            "[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": WORKBOOK,
            "xl/printerSettings/printerSettings1.bin": b"\x00" * 64,
            "xl/worksheets/_rels/sheet1.xml.rels": hyperlink,
        }),
    }  # fmt: skip
    for name, data in fine.items():
        checked = inspect(name, data, limit=LIMIT)
        assert checked.name.rsplit(".", 1)[0] == name.rsplit(".", 1)[0], checked.name


def test_a_truncated_image_is_refused_even_after_weasyprint_is_imported() -> None:
    """WeasyPrint switches Pillow to padding truncated images; the check must not care."""
    import weasyprint  # noqa: F401  (its import sets ImageFile.LOAD_TRUNCATED_IMAGES)
    from PIL import ImageFile

    case = next(c for c in CORPUS if c.key == "png-truncated")
    assert ImageFile.LOAD_TRUNCATED_IMAGES
    with pytest.raises(UploadRejected, match="hỏng"):
        inspect(case.name, case.data, limit=LIMIT, kinds=PHOTOS)
    assert ImageFile.LOAD_TRUNCATED_IMAGES  # left as WeasyPrint wants it
