"""Real read-only places and full disks for tests: a command run as root of its own user and mount
namespace (`unshare -rm`), after mounts that exist only there. No privilege is needed on the machine;
where user namespaces are not allowed, the tests that need one skip with a message."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from functools import cache
from pathlib import Path

import pytest


def read_only(folder: Path) -> str:
    """The mount that makes `folder` a read-only file system."""
    place = shlex.quote(str(folder))
    return f"mount --bind {place} {place} && mount -o remount,bind,ro {place}"


def full_disk(folder: Path, size_kb: int = 16) -> str:
    """The mount that makes `folder` a file system of `size_kb` KB, full after that much."""
    return f"mount -t tmpfs -o size={size_kb}k tmpfs {shlex.quote(str(folder))}"


@cache
def _namespaces_allowed() -> bool:
    return (
        shutil.which("unshare") is not None
        and subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False).returncode == 0
    )


def run_with_mounts(mounts: list[str], *commands: list[str]) -> subprocess.CompletedProcess[str]:
    """Run `commands` one after the other (their exit code: the first one's) with `mounts` in place."""
    if not _namespaces_allowed():
        pytest.skip("user and mount namespaces (unshare -rm) are not allowed here")
    first, *rest = (shlex.join(command) for command in commands)
    script = " && ".join(mounts) + f" && {{ {first}; code=$?; {'; '.join([*rest, 'exit $code'])}; }}"
    return subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True, check=False)
