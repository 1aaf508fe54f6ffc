"""The examples of docs/bounds.md and of the testing package run as written."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import certunlearn.testing

DOCS = Path(__file__).resolve().parent.parent / "docs" / "bounds.md"


def test_bounds_page_examples():
    result = doctest.testfile(
        str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 20
    assert result.failed == 0


def test_testing_package_docstring():
    result = doctest.testmod(certunlearn.testing)
    assert result.attempted > 0
    assert result.failed == 0


def test_bounds_import_no_torch():
    """certunlearn.bounds and certunlearn.testing never import torch."""
    code = "import sys, certunlearn.bounds, certunlearn.testing; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], timeout=120).returncode == 0
