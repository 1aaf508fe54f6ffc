"""`certunlearn methods`, docs/methods.md, and `certunlearn run` for every exact and uncertified method.

A few tests start the command as a user does, in a new process. The per-method runs call
the same entry point in this process, because importing torch anew costs seconds per run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from certunlearn.cli.main import main

DOCS_PAGE = Path(__file__).resolve().parents[1] / "docs" / "methods.md"
EXACT = ("retrain", "sisa")
UNCERTIFIED = ("finetune", "gradient-ascent", "l1-sparse", "neggrad-plus", "random-labels", "salun", "scrub")
TINY_RUN = ["--seeds", "2", "--calibration-seeds", "2", "--grid-size", "4", "--probe-steps", "3", "--workers", "1"]


def certunlearn(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "certunlearn", *arguments], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def listed():
    result = certunlearn("methods", "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_methods_json_contract(listed):
    assert isinstance(listed, list)
    for entry in listed:
        assert {"name", "guarantee", "assumptions", "cost"} <= set(entry)
        assert entry["guarantee"] in ("certified", "exact", "uncertified")
    names = [entry["name"] for entry in listed]
    assert len(names) == len(set(names))
    assert set(EXACT + UNCERTIFIED) <= set(names)
    assert "newton" in names


def test_methods_are_ordered_certified_exact_uncertified(listed):
    rank = {"certified": 0, "exact": 1, "uncertified": 2}
    ranks = [rank[entry["guarantee"]] for entry in listed]
    assert ranks == sorted(ranks)
    assert {entry["name"]: entry["guarantee"] for entry in listed if entry["name"] in EXACT} == dict.fromkeys(
        EXACT, "exact"
    )


def test_methods_table_lists_every_method(listed, capsys):
    assert main(["methods"]) == 0
    output = capsys.readouterr().out
    header = output.splitlines()[0].split()
    assert header == ["name", "guarantee", "model", "assumptions", "cost"]
    for entry in listed:
        assert f"\n{entry['name']} " in output


def test_docs_page_matches_the_registry(capsys):
    """docs/methods.md must be the registry rendered now; regenerate it when a method changes."""
    assert main(["methods", "--markdown"]) == 0
    assert DOCS_PAGE.read_text() == capsys.readouterr().out, (
        "docs/methods.md is out of date: run `certunlearn methods --markdown > docs/methods.md`"
    )


def test_methods_rejects_two_output_formats(capsys):
    with pytest.raises(SystemExit) as exit_status:
        main(["methods", "--json", "--markdown"])
    assert exit_status.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_run_in_new_process():
    result = certunlearn("run", "--dataset", "digits", "--classes", "3", "8", "--method", "sisa", *TINY_RUN, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["config"]["method"]["name"] == "sisa"


@pytest.mark.parametrize("method", EXACT + UNCERTIFIED)
def test_run_works_for_method(method, capsys):
    # Two classes of digits keep this run to about a second; the path is the same as on all ten.
    status = main(
        ["run", "--dataset", "digits", "--classes", "3", "8", "--method", method, *TINY_RUN, "--json", "--no-progress"]
    )
    captured = capsys.readouterr()
    assert status == 0, captured.err
    record = json.loads(captured.out)
    assert record["config"]["method"]["name"] == method
    assert {"unlearned_median", "reference_median"} <= set(record["depth"])
    if method in UNCERTIFIED:
        assert record["verdict"] == "uncertified"
        assert record["certificate"] is None
    else:
        assert record["verdict"] in ("pass", "violation")
        assert record["certificate"]["epsilon"] == 0.0
        assert record["certificate"]["delta"] == 0.0


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("beta=2", "certunlearn run: error: --param beta must be in (0, 1), got 2"),
        ("betta=0.5", "certunlearn run: error: --param neggrad-plus hyperparameter must be one of 'beta'"),
    ],
)
def test_run_bad_hyperparameter_one_line(param, message, tmp_path, capsys):
    out = tmp_path / "never"
    status = main(
        ["run", "--dataset", "digits", "--method", "neggrad-plus", *TINY_RUN, "--param", param, "--out", str(out)]
    )
    assert status == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(message)
    assert not out.exists()


@pytest.mark.parametrize(("method", "retrained_per_request"), [("retrain", 2), ("sisa", 0), ("neggrad-plus", 0)])
def test_run_with_sequential_requests(method, retrained_per_request, capsys):
    status = main(
        [
            "run",
            "--dataset",
            "digits",
            "--classes",
            "3",
            "8",
            "--method",
            method,
            *TINY_RUN,
            "--forget-fraction",
            "0.05",
            "--requests",
            "2",
            "--json",
            "--no-progress",
        ]
    )
    captured = capsys.readouterr()
    assert status == 0, captured.err
    record = json.loads(captured.out)
    assert record["requests"]["count"] == 2
    assert record["requests"]["retrained_at_request"] == [retrained_per_request] * 2
    assert record["unlearning_details"]["requests"] == 2
