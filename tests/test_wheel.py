"""The wheel holds every subpackage and data file of the tree, and nothing of tests/, corpus/ or bench/.

Built offline (no build isolation) from a copy of the checkout's files, as on a clean checkout: a build in
the working tree would take file lists from a stale *.egg-info and hide what a fresh build leaves out.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_SHIPPED = ("tests", "corpus", "bench", "docs", "build", "dist")
DATA_SUFFIXES = (".toml", ".json", ".j2", ".css", ".js")


def checkout_files() -> list[str]:
    """The files of a checkout: tracked or new, never what .gitignore keeps out (`make demo`'s out/, the
    browser tests' test-artifacts/, a store), which a clean checkout does not have."""
    return subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()


def shipped_files() -> set[str]:
    """What the tree says the wheel must hold: modules of every package, and the data files beside them."""
    wanted = set()
    for name in checkout_files():
        path, parts = ROOT / name, tuple(name.split("/"))
        if not path.is_file() or parts[0] in NOT_SHIPPED or any(part.startswith(".") for part in parts):
            continue
        in_package = (path.parent / "__init__.py").exists()
        if (path.suffix == ".py" and in_package and path.name != "setup.py") or (
            path.suffix in DATA_SUFFIXES and len(parts) > 1
        ):
            wanted.add("/".join(("policydiff", *parts)))
    return wanted


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory) -> list[str]:
    checkout = tmp_path_factory.mktemp("checkout")
    for name in checkout_files():
        if (ROOT / name).is_file() and name.split("/")[0] not in ("corpus", "tests", "bench"):
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, checkout / name)
    out = tmp_path_factory.mktemp("wheel")
    build = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(out),
        ".",
    ]
    subprocess.run(build, cwd=checkout, check=True, capture_output=True)
    (wheel,) = out.glob("policydiff-*.whl")
    return zipfile.ZipFile(wheel).namelist()


def test_the_wheel_holds_every_subpackage_and_data_file(wheel_names):
    missing = shipped_files() - set(wheel_names)
    assert not missing, f"left out of the wheel: {sorted(missing)}"
    assert "policydiff/extract/rules/payers.toml" in wheel_names  # the check above saw the rule files


def test_the_wheel_installs_under_policydiff_only(wheel_names):
    # The root is the package: nothing may land in site-packages under a generic name such as "extract".
    stray = [name for name in wheel_names if not name.startswith(("policydiff/", "policydiff-"))]
    assert not stray, stray


def test_the_wheel_holds_nothing_of_tests_corpus_or_bench(wheel_names):
    stray = [name for name in wheel_names if name.split("/")[1:2] and name.split("/")[1] in NOT_SHIPPED]
    assert not stray, stray


def test_the_wheel_carries_the_licence(wheel_names):
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in wheel_names)
