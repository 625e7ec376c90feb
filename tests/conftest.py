from __future__ import annotations

import os

import pytest
from policydiff.cli import main


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        help="rewrite tests/golden from the current extraction (review the diff before committing)",
    )
    parser.addoption(
        "--update-screenshots",
        action="store_true",
        help="copy the browser tests' screenshots of the demo's reports into docs/screenshots (the README's)",
    )
    parser.addoption("--run-slow", action="store_true", help="run the long runs (fuzzing at scale)")


def pytest_configure(config: pytest.Config) -> None:
    # Goldens are rewritten by a person who then reads the diff, never by CI (which would pass anything).
    for option in ("--update-golden", "--update-screenshots"):
        if config.getoption(option) and os.environ.get("CI"):
            raise pytest.UsageError(f"{option} is refused under CI: regenerate them locally and review them")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="long run: pass --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def update_screenshots(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-screenshots"))


@pytest.fixture
def run(capsys):
    """Run the CLI in-process: (exit code, stdout, stderr)."""

    def run_cli(*args: object) -> tuple[int, str, str]:
        code = main([str(arg) for arg in args])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run_cli
