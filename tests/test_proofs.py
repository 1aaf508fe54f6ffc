"""Run every checking script in proofs/ and require exit status 0.

Each proofs/*.py script checks the algebra of the Markdown proof beside it and exits
non-zero on the first failed check. New scripts are picked up by the glob.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

PROOFS_DIRECTORY = Path(__file__).resolve().parent.parent / "proofs"
PROOF_SCRIPTS = sorted(PROOFS_DIRECTORY.glob("*.py"))

# Each script is meant to finish within about 20 s on a slow two-core machine. The
# limit leaves room for a loaded CI runner and still stops a script that hangs.
SCRIPT_TIMEOUT_SECONDS = 300


def test_proofs_directory_has_scripts():
    assert PROOF_SCRIPTS, f"no checking scripts found in {PROOFS_DIRECTORY}"


@pytest.mark.parametrize("script", PROOF_SCRIPTS, ids=[path.name for path in PROOF_SCRIPTS])
def test_proof_script_passes(script):
    completed = subprocess.run(
        [sys.executable, str(script)],
        cwd=PROOFS_DIRECTORY.parent,
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_SECONDS,
    )
    assert completed.returncode == 0, (
        f"{script.name} exited with status {completed.returncode}\n"
        f"--- stdout ---\n{completed.stdout}\n--- stderr ---\n{completed.stderr}"
    )
