"""The examples in abm.scoring's docstrings run and say what they show."""

from __future__ import annotations

import doctest

import abm.scoring


def test_the_docstring_examples_of_scoring_hold() -> None:
    result = doctest.testmod(abm.scoring)
    assert result.attempted >= 10
    assert result.failed == 0
