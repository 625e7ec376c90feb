"""What the command writes: one output file per input (never one over another), outputs written whole
under any file name, text for a terminal with no control character raw, folder scans that leave
non-policies unread, and SIGTERM ending a command as Ctrl-C does."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from policydiff.cli import main

from corpus import CORPUS

CIGNA = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.txt"
CENTENE = CORPUS / "seeds" / "centene-cp-mp-101-dli.txt"
ARTICLE = Path(__file__).parent / "data" / "journal-article.txt"

# A terminal acts on these: C0 controls but newline and tab, DEL, and C1 controls (U+009B is CSI).
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    return target


def run(capsys, *args: object) -> tuple[int, str, list[str]]:
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err.splitlines()


# --------------------------------------------------------------------------------- one file per input


def test_two_inputs_of_one_name_in_two_folders_are_written_to_two_files(tmp_path, capsys):
    first = copy(CIGNA, tmp_path / "a" / "policy.txt")
    second = copy(CENTENE, tmp_path / "b" / "policy.txt")
    out = tmp_path / "out"
    code, _, err = run(capsys, "extract", first, second, "-o", out, "--workers", "1")
    assert (code, err) == (0, [])
    written = sorted(path.relative_to(out).as_posix() for path in out.rglob("*") if path.is_file())
    assert written == ["a/policy.txt.json", "b/policy.txt.json"]
    assert json.loads((out / "a" / "policy.txt.json").read_text(encoding="utf-8"))["payer"] == "Cigna"
    assert json.loads((out / "b" / "policy.txt.json").read_text(encoding="utf-8"))["payer"] == "Centene"


def test_one_file_given_twice_with_a_folder_output_is_refused_before_anything_is_written(tmp_path, capsys):
    policy = copy(CIGNA, tmp_path / "policy.txt")
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "extract", policy, tmp_path / "." / "policy.txt", "-o", out)
    assert code == 7 and stdout == ""
    assert err == [
        f"policydiff: {out / 'policy.txt.json'}: both {policy} and {tmp_path / 'policy.txt'} would be "
        "written here: give each input once"
    ]
    assert not out.exists()


# ------------------------------------------------------------------------------------ file names


def test_a_file_name_that_is_not_utf8_is_read_and_its_record_written(tmp_path, capsys):
    # The byte 0xff is no UTF-8: Python holds the name with a lone surrogate (U+DCFF).
    policy = copy(CIGNA, tmp_path / os.fsdecode(b"policy-\xff.txt"))
    out = tmp_path / "record.json"
    code, _, err = run(capsys, "extract", policy, "-o", out)
    assert (code, err) == (0, [])
    # Written as the JSON escape \udcff, which reads back as the very name.
    assert json.loads(out.read_text(encoding="utf-8"))["source"]["path"] == str(policy)


def test_a_300_character_policy_number_gets_a_digest_report_of_a_name_that_fits(tmp_path, capsys):
    number = "0261-" + "A" * 295
    text = CIGNA.read_text(encoding="utf-8").replace(
        "Coverage Policy Number 0261", f"Coverage Policy Number {number}"
    )
    older = tmp_path / "v1.txt"
    older.write_text(text, encoding="utf-8")
    newer = tmp_path / "v2.txt"
    newer.write_text(text.replace("<100% donor cells", "<90% donor cells"), encoding="utf-8")
    db = tmp_path / "store.sqlite"
    assert run(capsys, "ingest", older, newer, "--db", db, "--workers", "1")[0] == 0
    digest = tmp_path / "digest"
    code, _, err = run(capsys, "changes", "--db", db, "--format", "html", "-o", digest)
    assert (code, err) == (0, [])
    (report,) = (path for path in digest.iterdir() if path.name != "index.html")
    assert len(report.name.encode()) <= 255
    assert f'href="{report.name}"' in (digest / "index.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------- terminal output

ESCAPES = "\x1b]0;PWNED\x07\x1b[2J\x9b2J"  # retitle the window, clear the screen (ESC [ and CSI)


def test_control_characters_of_a_policy_reach_the_terminal_as_escapes(tmp_path, capsys):
    text = CIGNA.read_text(encoding="utf-8")
    title = "Donor Lymphocyte Infusion and Hematopoietic Progenitor Cell (HPC) Boost"
    assert title in text
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(text.replace(title, title + ESCAPES), encoding="utf-8")
    for command in (["extract", hostile, "--format", "text"], ["diff", CIGNA, hostile, "--format", "text"]):
        code, out, _ = run(capsys, *command)
        assert code == 0
        assert not RAW_CONTROL.search(out), command
        assert "Boost\\x1b]0;PWNED\\x07\\x1b[2J\\x9b2J" in out, command
    # JSON keeps the title as it is, escaped as JSON escapes it (C1 included, which JSON itself allows raw).
    code, out, _ = run(capsys, "extract", hostile)
    assert code == 0 and not RAW_CONTROL.search(out)
    assert json.loads(out)["title"] == title + ESCAPES


def test_a_file_name_with_a_newline_and_escapes_is_one_inert_message_line(tmp_path, capsys):
    article = copy(ARTICLE, tmp_path / f"article{ESCAPES}\nsecond line.txt")
    code, out, err = run(capsys, "extract", article)
    assert (code, out) == (3, "")
    assert err == [
        f"policydiff: {tmp_path}/article\\x1b]0;PWNED\\x07\\x1b[2J\\x9b2J\\x0asecond line.txt: not a coverage "
        "policy (no criteria, codes or revision log found)"
    ]


def test_an_argument_with_escapes_is_quoted_inert_in_the_usage_error(capsys):
    code, out, err = run(capsys, "history", "Cigna", "0261", f"extra{ESCAPES}")
    assert (code, out) == (1, "")
    assert err[-1] == ("policydiff: error: unrecognized arguments: extra\\x1b]0;PWNED\\x07\\x1b[2J\\x9b2J")


# ---------------------------------------------------------------------------------- folder scans


def test_a_folder_scan_skips_sidecars_notes_and_images_and_says_so(tmp_path, capsys):
    folder = tmp_path / "tracker"
    copy(CIGNA, folder / "cigna" / "0261.txt")
    (folder / "cigna" / "0261.meta.json").write_text('{"url": "https://example.com/0261"}', encoding="utf-8")
    (folder / "README.md").write_text("# What the tracker saved\n", encoding="utf-8")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    code, out, err = run(capsys, "extract", folder)
    assert code == 0
    assert json.loads(out)["payer"] == "Cigna"
    assert err == [
        "policydiff: skipped 3 files of the folders that are no policy by kind (.json 1, .md 1, .png 1); "
        "name a file to read it anyway"
    ]
    code, out, err = run(capsys, "ingest", folder, "--db", tmp_path / "store.sqlite", "--workers", "1")
    assert code == 0 and "1 new" in out and len(err) == 1


def test_a_file_named_on_the_command_line_is_read_whatever_its_name(tmp_path, capsys):
    named = copy(CIGNA, tmp_path / "policy.md")
    code, out, err = run(capsys, "extract", named)
    assert (code, err) == (0, [])
    assert json.loads(out)["source"]["path"] == str(named)


# ------------------------------------------------------------------------------------------ SIGTERM


def test_sigterm_during_extract_leaves_no_temp_file_and_exits_143(tmp_path):
    folder = tmp_path / "inbox"
    for number in range(40):
        copy(CENTENE, folder / f"policy-{number}.txt")
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "policydiff", "extract", str(folder), "-o", str(out), "--workers", "1"],
        stderr=subprocess.PIPE,
        text=True,
    )
    while not (out.exists() and any(out.iterdir())):  # the first record is written: the batch runs
        assert process.poll() is None, process.stderr.read()
        time.sleep(0.05)
    process.terminate()
    assert process.wait(timeout=60) == 143
    assert not list(out.glob(".policydiff-*")), "a temp file was left behind"
    assert all(json.loads(path.read_text(encoding="utf-8"))["payer"] == "Centene" for path in out.iterdir())
