"""The command line: outputs, errors that name the file, exit codes, batches that go on."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from policydiff.cli import EXIT_OK, EXIT_PARSER_BUG, build_parser, main

from corpus import CORPUS, ROOT

CENTENE_TXT = CORPUS / "seeds" / "centene-cp-mp-101-dli.txt"
CIGNA_TXT = CORPUS / "seeds" / "cigna-0261-dli-hpc-boost.txt"


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "policydiff", *args], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_extract_one_file_prints_one_json_object(capsys):
    assert main(["extract", str(CENTENE_TXT)]) == EXIT_OK
    record = json.loads(capsys.readouterr().out)
    assert record["policy_number"] == "CP.MP.101"


def test_extract_several_files_prints_json_lines(capsys):
    assert main(["extract", str(CENTENE_TXT), str(CIGNA_TXT)]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["payer"] for line in lines] == ["Centene", "Cigna"]


def test_extract_several_files_to_a_folder(tmp_path):
    assert main(["extract", str(CENTENE_TXT), str(CIGNA_TXT), "-o", str(tmp_path / "out")]) == EXIT_OK
    written = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert written == ["centene-cp-mp-101-dli.txt.json", "cigna-0261-dli-hpc-boost.txt.json"]


def test_text_summary(capsys):
    assert main(["extract", str(CENTENE_TXT), "--format", "text"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith("Centene CP.MP.101: Donor Lymphocyte Infusion\n")
    assert "last revised 2023-02" in out


def test_module_runs_from_any_directory(tmp_path):
    result = run("extract", str(CENTENE_TXT.resolve()), "--format", "text", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "CP.MP.101" in result.stdout


def test_every_command_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    parser = build_parser()
    commands = next(action for action in parser._actions if action.dest == "command").choices
    for name in commands:
        assert re.search(rf"policydiff {name}\b", readme), f"README does not document `policydiff {name}`"


def _subclasses(base: type) -> set[type]:
    found = {base}
    for child in base.__subclasses__():
        found |= _subclasses(child)
    return found


def test_the_readme_exit_code_table_lists_every_code_the_program_returns():
    from policydiff import batch, cli, fetch, output, store
    from policydiff.extract.errors import ExtractError

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Exit codes and errors", 1)[1].split("\n\n", 2)[1]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)}
    # Every error the library raises has its code in the CLI's one table, and none carries its own.
    errors = {
        error
        for base in (ExtractError, store.StoreError, batch.EngineError, output.OutputError)
        for error in _subclasses(base)
    }
    assert not [error for error in errors if "exit_code" in vars(error)]
    raised = {cli.exit_code_of(error) for error in errors}
    constants = {
        value for name, value in vars(cli).items() if name.startswith("EXIT_") and isinstance(value, int)
    }
    interrupted = set(cli.INTERRUPT_EXIT_CODES.values())
    assert documented == raised | constants | interrupted
    assert (cli.exit_code_of(store.NotStoredError), cli.exit_code_of(fetch.FetchError)) == (1, 2)


def test_a_parser_bug_is_one_files_error_and_the_batch_goes_on(monkeypatch, capsys):
    import policydiff.api

    real = policydiff.api.parse_codes

    def fails_on_centene(doc, sections):
        if "centene" in doc.path:
            raise ValueError("boom")
        return real(doc, sections)

    monkeypatch.setattr(policydiff.api, "parse_codes", fails_on_centene)
    assert main(["extract", str(CENTENE_TXT), str(CIGNA_TXT)]) == EXIT_PARSER_BUG
    out, err = capsys.readouterr()
    assert [json.loads(line)["payer"] for line in out.splitlines()] == ["Cigna"]
    assert (
        err
        == f"policydiff: {CENTENE_TXT}: internal error while parsing (ValueError: boom); please report it\n"
    )


def test_output_files_are_readable_by_others(tmp_path):
    out = tmp_path / "record.json"
    assert main(["extract", str(CENTENE_TXT), "-o", str(out)]) == EXIT_OK
    assert out.stat().st_mode & 0o044 == 0o044
