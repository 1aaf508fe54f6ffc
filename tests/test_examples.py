"""Every example script runs as documented."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(script: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(EXAMPLES / script)], capture_output=True, text=True, timeout=900)


def test_depth_guarantee_example():
    result = run("depth_guarantee_from_certificate.py")
    assert result.returncode == 0, result.stderr
    assert "with probability 0.95" in result.stdout


@pytest.mark.slow
def test_audit_example():
    result = run("audit_newton_digits.py")
    assert result.returncode == 0, result.stderr
    assert "verdict: pass" in result.stdout
    assert "retrained because the budget was spent: 0" in result.stdout
