"""Real documents that state no coverage (provider-manual chapters) are refused, in a batch as alone."""

from __future__ import annotations

import pytest

from corpus import NOT_POLICIES


@pytest.mark.parametrize("path", NOT_POLICIES, ids=lambda path: path.name)
def test_a_provider_manual_chapter_is_refused_as_not_a_policy(run, path):
    code, out, err = run("extract", path)
    assert (code, out) == (3, "")
    assert err.splitlines() == [
        f"policydiff: {path}: not a coverage policy (no criteria, codes or revision log found)"
    ]


def test_not_policies_in_a_batch_do_not_stop_the_policies(run):
    policy = NOT_POLICIES[0].parents[2] / "seeds" / "cigna-0261-dli-hpc-boost.txt"
    code, out, err = run("extract", *NOT_POLICIES, policy, "--workers", "1")
    assert code == 3
    assert len(out.splitlines()) == 1
    assert len(err.splitlines()) == len(NOT_POLICIES) == 2
