"""Bad input: every file that cannot be read gives one line naming it and the problem, a documented exit
code, and the rest of the batch goes on. The README's table of bad inputs is run here, row by row."""

from __future__ import annotations

import json
import os
import pickle
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from mounts import full_disk, read_only, run_with_mounts
from pdfmaker import cyclic_parent_pdf, deep_page_tree_pdf, image_only_pdf, inflating_pdf, text_pdf
from policydiff import api
from policydiff.cli import main as cli_main
from policydiff.extract.errors import LimitError, NotAPolicyError
from policydiff.extract.limits import NO_LIMITS, Limits, limited, uninterrupted
from policydiff.output import OutputError, write_atomic

from corpus import CORPUS, ROOT, extracted

DATA = ROOT / "tests" / "data"
CENTENE_TXT = CORPUS / "seeds" / "centene-cp-mp-101-dli.txt"
CENTENE_PDF = CORPUS / "seeds" / "centene-cp-mp-101-dli.pdf"
CIGNA_TXT = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.txt"
SAMPLE_HTML = DATA / "sample-policy.html"

ARTICLE_LINES = (DATA / "journal-article.txt").read_text(encoding="utf-8").splitlines()
CENTENE_TEXT = CENTENE_TXT.read_text(encoding="utf-8")
HOSTILE_HTML = (
    SAMPLE_HTML.read_text(encoding="utf-8")
    .replace("<body>", '<body onload="alert(1)"><iframe src="https://evil.example/"></iframe>', 1)
    .replace("</h1>", "</h1><script>document.write('injected')</script>", 1)
)


def _corrupt_pdf() -> bytes:
    # A PDF header and then noise (fixed, so the message is the same every run).
    return b"%PDF-1.7\n" + bytes((index * 7919) % 251 for index in range(3000))


# A page of policy text for the PDFs whose structure, not text, is at fault.
POLICY_LINES = [line for line in CENTENE_TEXT.splitlines() if line.strip()][:40]


def _nested_html(depth: int) -> bytes:
    return (
        b"<html><body>"
        + b"<div>" * depth
        + b"<p>Coverage criteria</p>"
        + b"</div>" * depth
        + b"</body></html>"
    )


def _one_long_paragraph() -> bytes:
    # Over a million characters with no sentence break: longer than spaCy takes in one text (max_length).
    sentence = (
        "Donor lymphocyte infusion is considered medically necessary when " + "a relapse occurs, " * 70_000
    )
    return f"{CENTENE_TEXT}\n\n{sentence}and nothing else.\n".encode()


def _late_nul() -> bytes:
    data = CENTENE_TEXT.encode("utf-8")
    return data[:6000] + b"\x00" + data[6000:]


# Centene's text is UTF-8 with 63 characters beyond ASCII (quotes, dashes, é); its one apostrophe ’ (in
# the "Important Reminder" of line 123) is here the byte Windows-1252 gives it, as a paste can leave it.
APOSTROPHE_AT = CENTENE_TEXT.encode("utf-8").index("’".encode())


def _one_bad_byte() -> bytes:
    data = CENTENE_TEXT.encode("utf-8")
    return data[:APOSTROPHE_AT] + b"\x92" + data[APOSTROPHE_AT + 3 :]


def _lookalike_code() -> bytes:
    # HCPCS S2150 in Centene's code table printed with a Cyrillic Ѕ (U+0405), drawn like the Latin S.
    return CENTENE_TEXT.replace("\nS2150\t", "\n\u04052150\t").encode("utf-8")


# The inputs of the README's table, by the name the table gives them: name -> the file's bytes (None:
# the file does not exist). Copies of fixtures keep their own name.
INPUTS: dict[str, Callable[[], bytes | None]] = {
    "missing.pdf": lambda: None,
    "empty.pdf": lambda: b"",
    "corrupt.pdf": _corrupt_pdf,
    "truncated.pdf": lambda: (DATA / "truncated.pdf").read_bytes(),
    "encrypted-user-password.pdf": lambda: (DATA / "encrypted-user-password.pdf").read_bytes(),
    "encrypted-empty-password.pdf": lambda: (DATA / "encrypted-empty-password.pdf").read_bytes(),
    "scanned.pdf": lambda: image_only_pdf(pages=2),
    "500-pages.pdf": lambda: text_pdf([[f"Page {number} of a long document"] for number in range(1, 501)]),
    "journal-article.pdf": lambda: text_pdf([ARTICLE_LINES[:12], ARTICLE_LINES[12:]]),
    "journal-article.txt": lambda: (DATA / "journal-article.txt").read_bytes(),
    "photo.pdf": lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "record.json": lambda: extracted(CENTENE_TXT).model_dump_json(indent=2).encode("utf-8"),
    "data.json": lambda: b'{"policies": ["CP.MP.101"]}',
    "policy-with-script.html": lambda: HOSTILE_HTML.encode("utf-8"),
    "policy-cp1252.txt": lambda: CENTENE_TEXT.encode("cp1252", errors="replace"),
    "policy-utf16.txt": lambda: CENTENE_TEXT.encode("utf-16"),
    "policy-with-nul.txt": _late_nul,
    "policy-one-bad-byte.txt": _one_bad_byte,
    "policy-lookalike-code.txt": _lookalike_code,
    "policy-pdf-named.txt": lambda: CENTENE_PDF.read_bytes(),
    "policy-text-named.pdf": lambda: CENTENE_TXT.read_bytes(),
    "policy.pdf": lambda: CENTENE_PDF.read_bytes(),
    "no-mediabox.pdf": lambda: text_pdf([POLICY_LINES], media_box=b""),
    "non-numeric-mediabox.pdf": lambda: text_pdf([POLICY_LINES], media_box=b"/MediaBox [0 0 /Wide /Tall]"),
    "string-mediabox.pdf": lambda: text_pdf([POLICY_LINES], media_box=b"/MediaBox [0 0 612 (792)]"),
    "cyclic-parent.pdf": lambda: cyclic_parent_pdf(POLICY_LINES),
    "deep-page-tree.pdf": lambda: deep_page_tree_pdf(5000, POLICY_LINES),
    "deep.html": lambda: _nested_html(5000),
    "inflates-to-1-GiB.pdf": lambda: inflating_pdf(POLICY_LINES, 1024),
    "one-long-paragraph.txt": _one_long_paragraph,
    "4-MB.txt": lambda: CENTENE_TEXT.encode("utf-8") * (4 * 2**20 // len(CENTENE_TEXT) + 1),
}

# Inputs that are not regular files, by the name the table gives them: name -> makes it at the path.
SPECIAL_INPUTS: dict[str, Callable[[Path], None]] = {
    "zero.pdf": lambda path: path.symlink_to("/dev/zero"),
    "fifo.pdf": os.mkfifo,
}


def _a_folder(folder: Path) -> Path:
    (folder / "a-folder").mkdir()
    return folder / "a-folder"


def _a_file(folder: Path) -> Path:
    (folder / "a-file").touch()
    return folder / "a-file"


def _long_name(folder: Path) -> Path:
    return folder / ("x" * 300 + ".json")


def _in_own_folder(folder: Path, name: str) -> Path:
    (folder / name).parent.mkdir()
    return folder / name


# The places the table's `-o` options name: name -> (make it under the test's folder and give its path,
# the mount that makes it what its name says, or None). Mounts exist only for that one command
# (tests/mounts.py).
PLACES: dict[str, tuple[Callable[[Path], Path], Callable[[Path], str] | None]] = {
    "a-folder": (_a_folder, None),
    "a-file": (_a_file, None),
    "read-only/policy.json": (lambda folder: _in_own_folder(folder, "read-only/policy.json"), read_only),
    "full-disk/policy.json": (lambda folder: _in_own_folder(folder, "full-disk/policy.json"), full_disk),
    "a-300-character-name.json": (_long_name, None),
}


def make_input(folder: Path, name: str) -> Path:
    path = folder / name
    if name in SPECIAL_INPUTS:
        SPECIAL_INPUTS[name](path)
        return path
    data = INPUTS[name]()
    if data is not None:
        path.write_bytes(data)
    return path


def run_cli(capsys, *args: str) -> tuple[int, str, list[str]]:
    code = cli_main(["extract", *args])
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


# ------------------------------------------------------------------------------------ the README table

TABLE = re.compile(r"<!-- bad-input-table:start -->\n(.*?)<!-- bad-input-table:end -->", re.S)
CODE_SPAN = re.compile(r"`([^`]*)`")


def readme_rows() -> list[tuple[str, list[str], str | None, int]]:
    """(input name, extra CLI options, message prefix or None for no message, exit code) per table row."""
    table = TABLE.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert table, "README.md has no bad-input table between its markers"
    rows = []
    for line in table.group(1).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[2].isdigit():
            continue  # header, rule or blank
        # The input's own code span is the last of its cell (the description may quote markup).
        name, *options = shlex.split(CODE_SPAN.findall(cells[0])[-1])
        message = CODE_SPAN.search(cells[1])
        rows.append((name, options, message.group(1) if message else None, int(cells[2])))
    return rows


ROWS = readme_rows()


def test_the_readme_table_lists_every_bad_input_of_this_suite():
    assert sorted({name for name, *_ in ROWS}) == sorted([*INPUTS, *SPECIAL_INPUTS])


def _row_id(row: tuple[str, list[str], str | None, int]) -> str:
    name, options, *_ = row
    return " ".join([name, *options])


@pytest.mark.parametrize(("name", "options", "message", "code"), ROWS, ids=list(map(_row_id, ROWS)))
def test_each_input_gives_the_readme_message_and_exit_code(tmp_path, capsys, name, options, message, code):
    path = make_input(tmp_path, name)
    # The path the message names: the input's, or the output place's that an option names.
    named, arguments, mounts = path, [], []
    for option in options:
        if option in INPUTS:
            arguments.append(str(make_input(tmp_path, option)))
        elif option in PLACES:
            make, mount = PLACES[option]
            named = make(tmp_path)
            arguments.append(str(named))
            mounts.extend([mount(named.parent)] if mount else [])
        else:
            arguments.append(option)
    command = [sys.executable, "-m", "policydiff", "extract", str(path), *arguments]
    if mounts:
        done = run_with_mounts(mounts, command)
        exit_code, out, err = done.returncode, done.stdout, done.stderr.splitlines()
    elif "--max-memory-mb" in options:
        # A fresh process: this one may hold freed memory from earlier tests that the file would reuse.
        fresh = subprocess.run(
            command,
            capture_output=True,
            text=True,
            check=False,
        )
        exit_code, out, err = fresh.returncode, fresh.stdout, fresh.stderr.splitlines()
    else:
        exit_code, out, err = run_cli(capsys, str(path), *arguments)
    assert exit_code == code, err
    if message is None:
        assert err == []
        assert json.loads(out)["source"]["path"] == str(path)
    else:
        assert out == ""
        assert len(err) == 1, err
        assert err[0].startswith(f"policydiff: {named}: {message}"), err[0]
    # Nothing half-written is left where the output was to go (mounted places vanish with their command).
    assert not list(tmp_path.rglob(".policydiff-*")), "a temp file was left behind"


# ----------------------------------------------------------------------------- what is read, and how


def test_an_encrypted_pdf_with_an_empty_password_is_read_like_any_other():
    policy = api.extract_file(DATA / "encrypted-empty-password.pdf")
    assert policy.source.pages == 3 and policy.policy_number and policy.criteria


@pytest.mark.parametrize("name", ["policy-cp1252.txt", "policy-utf16.txt"])
def test_other_encodings_read_to_the_same_record(tmp_path, name):
    policy = api.extract_file(make_input(tmp_path, name))
    utf8 = api.extract_file(CENTENE_TXT)
    # The reading account quotes the unread text as the file has it: superscript marks cp1252 cannot
    # encode are missing there; every field read is the same.
    assert policy.model_dump(exclude={"source", "coverage"}) == utf8.model_dump(
        exclude={"source", "coverage"}
    )
    assert {"é", "ü", "“", "–"} <= set(json.dumps(policy.to_json_dict(), ensure_ascii=False))


def test_one_byte_that_is_not_utf8_leaves_the_file_utf8_and_is_said(tmp_path):
    policy = api.extract_file(make_input(tmp_path, "policy-one-bad-byte.txt"))
    utf8 = api.extract_file(CENTENE_TXT)

    def content(record) -> str:
        return json.dumps(
            record.model_dump(exclude={"source", "warnings", "diagnostics"}), ensure_ascii=False
        )

    # Every quote, dash and é as in the UTF-8 file (read as cp1252 they were mojibake: “ as â€œ); only
    # the one bad byte is U+FFFD.
    assert content(policy) == content(utf8).replace("’", "\ufffd")
    assert sorted(policy.warnings) == sorted(
        [
            *utf8.warnings,
            f"1 byte not valid UTF-8 replaced by U+FFFD (the first at byte {APOSTROPHE_AT}, line 123); "
            "the rest of the file read as UTF-8",
        ]
    )


def test_a_code_printed_with_a_lookalike_letter_is_read_as_the_code_and_said(tmp_path):
    policy = api.extract_file(make_input(tmp_path, "policy-lookalike-code.txt"))
    # Centene's code table lists CPT 38215, 38242, 86950 and HCPCS S2150.
    assert [(code.system, code.code) for code in policy.codes] == [
        ("CPT", "38215"),
        ("CPT", "38242"),
        ("CPT", "86950"),
        ("HCPCS", "S2150"),
    ]
    assert (
        "page 1: code 'Ѕ2150' is printed with look-alike characters (CYRILLIC CAPITAL LETTER DZE for S); "
        "read as S2150"
    ) in policy.warnings


def test_a_stray_nul_is_removed_and_said(tmp_path):
    policy = api.extract_file(make_input(tmp_path, "policy-with-nul.txt"))
    assert "\x00" not in json.dumps(policy.to_json_dict(), ensure_ascii=False)
    assert "1 NUL character removed from the text" in policy.warnings


def test_scripts_and_frames_in_html_are_dropped_unread_and_said(tmp_path):
    policy = api.extract_file(make_input(tmp_path, "policy-with-script.html"))
    record = json.dumps(policy.to_json_dict())
    assert "injected" not in record and "evil.example" not in record and "alert" not in record
    assert "scripts and embedded frames in the HTML were ignored" in policy.warnings
    assert policy.policy_number == "MP.13.19"


def test_the_content_not_the_extension_decides_the_format(tmp_path):
    as_text = api.extract_file(make_input(tmp_path, "policy-pdf-named.txt"))
    as_pdf = api.extract_file(make_input(tmp_path, "policy-text-named.pdf"))
    assert (as_text.source.format, as_pdf.source.format) == ("pdf", "text")
    assert as_text.policy_number == as_pdf.policy_number == "CP.MP.101"


def test_a_500_page_pdf_is_read_when_the_page_limit_allows_it(tmp_path):
    path = make_input(tmp_path, "500-pages.pdf")
    with pytest.raises(NotAPolicyError):  # read to the end: 500 pages of nothing policy-like
        api.extract_file(path, Limits(max_pages=500))


# ---------------------------------------------------------------------------------------------- batches


def test_a_folder_mixing_good_and_bad_files_reports_each_bad_one_and_reads_the_rest(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    bad = ["empty.pdf", "scanned.pdf", "journal-article.pdf", "500-pages.pdf", "truncated.pdf"]
    good = ["policy-cp1252.txt", "policy.pdf", "policy-with-script.html"]
    for name in bad + good:
        make_input(folder, name)
    result = subprocess.run(
        [sys.executable, "-m", "policydiff", "extract", str(folder), "--workers", "2"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 6  # the highest: the 500-page file is over the page limit
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert sorted(Path(record["source"]["path"]).name for record in records) == sorted(good)
    errors = result.stderr.splitlines()
    assert sorted(line.split(": ")[1] for line in errors) == sorted(str(folder / name) for name in bad)


def test_a_batch_written_to_a_folder_has_one_file_per_good_input(tmp_path, capsys):
    inputs = [make_input(tmp_path, name) for name in ("empty.pdf", "policy-utf16.txt", "photo.pdf")]
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, *map(str, inputs), "-o", str(out))
    assert code == 2 and len(err) == 2
    assert sorted(path.name for path in out.iterdir()) == ["policy-utf16.txt.json"]


# ---------------------------------------------------------------------------------------------- limits


def test_a_file_over_the_time_limit_is_stopped_and_the_batch_goes_on(monkeypatch, capsys):
    real = api.parse_codes

    def never_ends_on_centene(doc, sections):
        while "centene" in doc.path:
            pass
        return real(doc, sections)

    monkeypatch.setattr(api, "parse_codes", never_ends_on_centene)
    code, out, err = run_cli(capsys, str(CENTENE_TXT), str(CIGNA_TXT), "--timeout", "0.5", "--workers", "1")
    assert code == 6
    assert [json.loads(line)["payer"] for line in out.splitlines()] == ["Cigna"]
    assert err == [
        f"policydiff: {CENTENE_TXT}: took longer than the time limit (0.5 s); raise it with --timeout"
    ]


def test_a_file_over_the_memory_limit_is_stopped_and_the_next_one_has_the_memory_back(monkeypatch, capsys):
    real = api.parse_codes

    def hungry_on_centene(doc, sections):
        if "centene" in doc.path:
            bytearray(400 * 2**20)
        return real(doc, sections)

    monkeypatch.setattr(api, "parse_codes", hungry_on_centene)
    code, out, err = run_cli(
        capsys, str(CENTENE_TXT), str(CIGNA_TXT), "--max-memory-mb", "200", "--workers", "1"
    )
    assert code == 6
    assert [json.loads(line)["payer"] for line in out.splitlines()] == ["Cigna"]
    assert err == [
        f"policydiff: {CENTENE_TXT}: needed more memory than the limit (200 MB); raise it with --max-memory-mb"
    ]
    assert api.extract_file(CENTENE_TXT, NO_LIMITS).policy_number == "CP.MP.101"


def test_the_memory_cap_stops_the_file_without_crashing_the_interpreter():
    # With the address space capped at the limit, CPython itself crashed (SIGSEGV) in about 3 runs of 20
    # while unwinding the MemoryError; the cap is now watched, the address-space limit a far backstop.
    command = [sys.executable, "-m", "policydiff", "extract", str(CENTENE_PDF), "--max-memory-mb", "5"]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(8)
    ]
    outcomes = [(run.wait(timeout=120), run.stderr.read().splitlines()) for run in runs]
    message = (
        f"policydiff: {CENTENE_PDF}: needed more memory than the limit (5 MB); raise it with --max-memory-mb"
    )
    assert outcomes == [(6, [message])] * 8


def test_the_python_api_takes_the_same_limits():
    with pytest.raises(LimitError, match=r"too many pages \(7; the limit is 3"):
        api.extract_file(CENTENE_PDF, Limits(max_pages=3))
    assert api.extract_file(CENTENE_PDF, Limits(max_pages=7)).source.pages == 7


@pytest.mark.parametrize("value", ["-1", "ten"])
def test_a_limit_must_be_a_number(capsys, value):
    assert cli_main(["extract", str(CENTENE_TXT), "--max-pages", value]) == 1
    assert "is not a limit" in capsys.readouterr().err


def test_errors_cross_process_boundaries_intact():
    error = pickle.loads(pickle.dumps(LimitError("a.pdf", "too many pages", "max_pages")))
    assert (type(error), error.path, error.problem, error.limit, str(error)) == (
        LimitError,
        "a.pdf",
        "too many pages",
        "max_pages",
        "a.pdf: too many pages",
    )


# ------------------------------------------------------------------------------------- atomic writes


def test_a_failed_write_leaves_no_partial_file_and_the_old_one_intact(tmp_path, monkeypatch):
    target = tmp_path / "record.json"
    target.write_text("old record", encoding="utf-8")

    def rename_fails(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", rename_fails)
    with pytest.raises(OutputError, match=r"record.json: cannot be written \(no space left on device\)$"):
        write_atomic(target, "x" * 1_000_000)
    assert target.read_text(encoding="utf-8") == "old record"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["record.json"]


# ------------------------------------------------------------------------------------- the watchdog


def test_a_tick_that_comes_after_the_file_ended_raises_nothing():
    with limited("policy.txt", Limits(timeout=0.2, max_memory_mb=None)):
        tick = signal.getsignal(signal.SIGALRM)
    time.sleep(0.3)  # past the file's deadline: a tick delivered now, late, must find the watch disarmed
    tick(signal.SIGALRM, None)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_watchdog_fires_at_most_once_per_file():
    with limited("policy.txt", Limits(timeout=0.05, max_memory_mb=None)):
        tick = signal.getsignal(signal.SIGALRM)
        with pytest.raises(BaseException) as fired:
            while True:  # until the time limit interrupts
                pass
        assert type(fired.value).__name__ == "_TimeUp"
        tick(signal.SIGALRM, None)  # a second tick for the same file: nothing more is raised


def test_a_cap_passed_in_an_uninterrupted_section_is_raised_when_the_section_ends():
    # pdfium's pages are opened and closed in such sections (extract/pdfium.py): a tick that broke in just
    # after pypdfium2 opened a page left it open until the process ended, and pypdfium2 said so on stderr
    # after the file's one line (1 process of 8 in a run of the memory-cap test above).
    done = []
    with (
        pytest.raises(LimitError, match="took longer than the time limit"),
        limited("policy.txt", Limits(timeout=0.05, max_memory_mb=None)),
    ):
        with uninterrupted():
            time.sleep(0.3)  # past the deadline: the ticks that come meanwhile are held
            done.append("section")
        done.append("after the section")
    assert done == ["section"]


# --------------------------------------------------------------------------- limits on every input


def _peak_resident_mb(command: list[str]) -> tuple[int, float]:
    """Exit code and peak resident memory (MB) of one run of `command`."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024


def test_a_pdf_inflating_to_a_gigabyte_stays_within_the_memory_limit(tmp_path):
    # pdfminer inflated each stream in one call: 1,175 MB resident under a 300 MB limit.
    small = tmp_path / "small.pdf"
    small.write_bytes(text_pdf([POLICY_LINES]))
    bomb = make_input(tmp_path, "inflates-to-1-GiB.pdf")
    extract = [sys.executable, "-m", "policydiff", "extract", "--max-memory-mb", "300"]
    _, baseline = _peak_resident_mb([*extract, str(small)])
    code, peak = _peak_resident_mb([*extract, str(bomb)])
    assert code == 6
    assert peak - baseline <= 1.25 * 300, (peak, baseline)


def test_a_pdf_deflated_twice_to_a_gigabyte_stays_within_the_memory_limit(tmp_path):
    # pdfium inflates a stream in one C call and aborts the process when an allocation fails (exit -6 under
    # the address-space backstop): the streams are measured before it opens the file, the inner layer of
    # a stream deflated twice over included.
    small = tmp_path / "small.pdf"
    small.write_bytes(text_pdf([POLICY_LINES]))
    bomb = tmp_path / "twice.pdf"
    bomb.write_bytes(inflating_pdf(POLICY_LINES, 1024, twice=True))
    assert bomb.stat().st_size < 20_000
    extract = [sys.executable, "-m", "policydiff", "extract", "--max-memory-mb", "300"]
    _, baseline = _peak_resident_mb([*extract, str(small)])
    code, peak = _peak_resident_mb([*extract, str(bomb)])
    assert code == 6
    assert peak - baseline <= 1.25 * 300, (peak, baseline)


def test_diff_and_compare_take_the_limits_and_the_pdf_text_option_of_extract(capsys):
    # A long policy made `diff` suggest --max-pages, which diff did not take.
    code = cli_main(["diff", str(CENTENE_PDF), str(CENTENE_PDF), "--max-pages", "3", "--pdf-text", "fast"])
    assert code == 6
    assert capsys.readouterr().err.splitlines() == [
        f"policydiff: {CENTENE_PDF}: too many pages (7; the limit is 3); raise it with --max-pages"
    ]
    code = cli_main(["compare", str(CENTENE_PDF), str(CIGNA_TXT), "--timeout", "0.001"])
    assert code == 6
    assert "took longer than the time limit (0.001 s" in capsys.readouterr().err
    assert (
        cli_main(["compare", str(CENTENE_PDF), str(CIGNA_TXT), "--pdf-text", "fast", "--max-pages", "7"]) == 0
    )


def test_ingest_stores_each_file_within_its_limits(tmp_path, monkeypatch, capsys):
    from policydiff import ingest

    def endless_diff(old, new):
        while True:
            pass

    monkeypatch.setattr(ingest, "diff_policies", endless_diff)
    first, second = tmp_path / "v1.txt", tmp_path / "v2.txt"
    first.write_bytes(CENTENE_TXT.read_bytes())
    second.write_text(CENTENE_TEXT.replace("38242", "38243"), encoding="utf-8")
    db = tmp_path / "store.sqlite"
    code = cli_main(["ingest", str(first), str(second), "--db", str(db), "--workers", "1", "--timeout", "5"])
    out, err = capsys.readouterr()
    assert code == 6
    assert err.splitlines() == [
        f"policydiff: {second}: took longer than the time limit (5 s); raise it with --timeout"
    ]
    assert "2 files into" in out and "1 new, 0 new versions, 0 unchanged, 1 failed" in out


# ------------------------------------------------------------------- a batch with bad files in it

# Every kind of file a reader crashed on, with the files refused before: each must be one line. pdfium (the
# default route) reads four of those pdfminer (the exact route) fails on.
REFUSED_BY_BOTH = [
    "deep-page-tree.pdf",
    "deep.html",
    "corrupt.pdf",
    "truncated.pdf",
    "empty.pdf",
    "photo.pdf",
]
BAD_IN_BATCH = {
    "exact": [
        *("no-mediabox.pdf", "non-numeric-mediabox.pdf", "string-mediabox.pdf", "cyclic-parent.pdf"),
        *REFUSED_BY_BOTH,
    ],
    "pdfium": REFUSED_BY_BOTH,
}


def _small_policy(number: int) -> str:
    return (
        f"Cigna Medical Coverage Policy\n\nEffective Date 5/15/2025\n\nCoverage Policy Number {number}\n\n"
        f"Widget Therapy {number}\n\nCoverage Policy\n\nWidget therapy is considered medically necessary "
        "when all of the following criteria are met:\n• the individual is 18 years of age or older\n"
        "• conventional treatment has failed\n\nCoding Information\n\nCPT Code\tDescription\n"
        "38242\tAllogeneic lymphocyte infusions\n"
    )


def _mixed_batch(folder: Path, files: int, bad_every: int, kinds: list[str]) -> tuple[list[Path], list[Path]]:
    """`files` files, every `bad_every`-th of them bad (the `kinds` in turn): (good, bad)."""
    folder.mkdir()
    contents = {name: INPUTS[name]() for name in kinds}
    good, bad = [], []
    for index in range(files):
        if index % bad_every == bad_every - 1:
            name = kinds[len(bad) % len(kinds)]
            path = folder / f"{index:04d}-{name}"
            path.write_bytes(contents[name])
            bad.append(path)
        else:
            path = folder / f"{index:04d}-policy.txt"
            path.write_text(_small_policy(9000 + index), encoding="utf-8")
            good.append(path)
    return good, bad


def _run_mixed_batch(
    tmp_path: Path, command: str, workers: str, files: int, bad_every: int, pdf_text: str = "pdfium"
) -> None:
    good, bad = _mixed_batch(tmp_path / "inbox", files, bad_every, BAD_IN_BATCH[pdf_text])
    options = ["--db", str(tmp_path / "store.sqlite")] if command == "ingest" else []
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "policydiff",
            command,
            str(tmp_path / "inbox"),
            "--workers",
            workers,
            "--pdf-text",
            pdf_text,
            *options,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    errors = result.stderr.splitlines()
    assert len(errors) == len(bad), errors
    assert [line.split(": ")[1] for line in errors] == [str(path) for path in bad]
    if command == "extract":
        records = [json.loads(line) for line in result.stdout.splitlines()]
        assert [record["source"]["path"] for record in records] == [str(path) for path in good]
        assert all(record["policy_number"] for record in records)
    else:
        assert f"{files} files into" in result.stdout
        assert f": {len(good)} new, 0 new versions, 0 unchanged, {len(bad)} failed" in result.stdout


@pytest.mark.parametrize("pdf_text", ["pdfium", "exact"])
@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("command", ["extract", "ingest"])
def test_a_batch_with_reader_crashing_files_reports_each_and_keeps_every_good_record(
    tmp_path, command, workers, pdf_text
):
    _run_mixed_batch(tmp_path, command, workers, files=30, bad_every=3, pdf_text=pdf_text)


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("command", ["extract", "ingest"])
def test_a_500_file_batch_with_every_tenth_file_bad(tmp_path, command, workers):
    _run_mixed_batch(tmp_path, command, workers, files=500, bad_every=10)


def test_a_full_disk_keeps_the_old_record_and_leaves_no_temp_file(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    target = disk / "policy.json"
    done = run_with_mounts(
        [full_disk(disk), f"echo old record > {shlex.quote(str(target))}"],
        [sys.executable, "-m", "policydiff", "extract", str(CENTENE_PDF), "-o", str(target)],
        ["ls", "-A", str(disk)],
        ["cat", str(target)],
    )
    assert done.returncode == 7
    assert done.stderr == f"policydiff: {target}: cannot be written (no space left on device)\n"
    assert done.stdout == "policy.json\nold record\n"
