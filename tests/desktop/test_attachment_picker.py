"""The attachment picker: adds documents with name and size, refuses what the server would
refuse (too large, a type that cannot be attached, too many) with a translated reason."""

import hashlib
from pathlib import Path

import pytest

from desktop import i18n
from desktop.views.attachment_picker import AttachmentPicker
from sync_protocol.attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS_PER_STEP


@pytest.fixture
def english():
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def _file(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def test_added_documents_carry_hash_name_size_and_type(qtbot, tmp_path, english):
    picker = AttachmentPicker()
    qtbot.addWidget(picker)
    pdf = _file(tmp_path, "Diplom.pdf", b"%PDF-1.4 diploma")
    scan = _file(tmp_path, "scan.JPG", b"\xff\xd8\xff jpeg")
    assert picker.add_files([pdf, scan, pdf]) == []
    refs = picker.refs()
    assert [(r.name, r.size, r.media_type) for r in refs] == [
        ("Diplom.pdf", 16, "application/pdf"), ("scan.JPG", 8, "image/jpeg")]
    assert refs[0].sha256 == hashlib.sha256(b"%PDF-1.4 diploma").hexdigest()
    assert [p.path for p in picker.picked()] == [pdf, scan]
    assert picker.list.item(0).text() == "Diplom.pdf (16 byte)"

    picker.list.item(0).setSelected(True)
    picker.remove_button.click()
    assert [r.name for r in picker.refs()] == ["scan.JPG"]
    assert [p.path for p in picker.picked()] == [scan]


def test_too_large_and_wrong_type_are_refused_with_the_reason(qtbot, tmp_path, english):
    picker = AttachmentPicker()
    qtbot.addWidget(picker)
    big = tmp_path / "huge.pdf"
    with big.open("wb") as stream:
        stream.truncate(MAX_ATTACHMENT_BYTES + 1)
    exe = _file(tmp_path, "setup.exe", b"MZ")
    empty = _file(tmp_path, "empty.txt", b"")
    problems = picker.add_files([big, exe, empty])
    assert picker.refs() == ()
    assert problems == [
        "“huge.pdf” is too large: a document may have at most 20 MB.",
        "“setup.exe” cannot be attached: only PDF documents, images (JPEG, PNG, TIFF), text "
        "files and word-processor documents (ODT, DOCX, DOC) are accepted.",
        "“empty.txt” is empty.",
    ]
    assert picker.error.text() == "\n".join(problems)


def test_no_more_than_the_limit_per_step(qtbot, tmp_path, english):
    picker = AttachmentPicker()
    qtbot.addWidget(picker)
    files = [_file(tmp_path, f"{n}.txt", f"document {n}".encode())
             for n in range(MAX_ATTACHMENTS_PER_STEP + 1)]
    problems = picker.add_files(files)
    assert len(picker.refs()) == MAX_ATTACHMENTS_PER_STEP
    assert problems == [f"At most {MAX_ATTACHMENTS_PER_STEP} documents can be attached to one "
                        "step."]
    assert not picker.add_button.isEnabled()


def test_the_reason_is_in_the_readers_language(qtbot, tmp_path):
    i18n.set_language("de")
    try:
        picker = AttachmentPicker()
        qtbot.addWidget(picker)
        problems = picker.add_files([_file(tmp_path, "setup.exe", b"MZ")])
        assert problems and "setup.exe" in problems[0]
        assert "cannot be attached" not in problems[0]
        assert picker.add_button.text() != "Add documents…"
    finally:
        i18n.set_language("en")
