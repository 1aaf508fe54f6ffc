"""The command-line interface as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SMALL_RUN = ["--seeds", "3", "--calibration-seeds", "2", "--grid-size", "6", "--probe-steps", "5", "--workers", "1"]


def certunlearn(*arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "certunlearn", *arguments], capture_output=True, text=True, cwd=cwd, timeout=600
    )


def test_calibrate_json_contract():
    result = certunlearn("calibrate", "--epsilon", "1", "--delta", "1e-5", "--sensitivity", "2", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert {"sigma", "method", "epsilon", "delta", "sensitivity"} <= set(record)
    assert record["method"] == "analytic"
    assert record["sigma"] == pytest.approx(2 * 3.730632, abs=1e-5)


def test_bounds_json_contract():
    result = certunlearn(
        "bounds", "--epsilon", "1", "--delta", "1e-5", "--requests", "2", "--p", "0.01", "0.5", "--json"
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["certificate"]["epsilon"] == pytest.approx(2.0)
    assert [row["p"] for row in record["transfer"]] == [0.01, 0.5]
    assert all({"p", "bound"} <= set(row) for row in record["transfer"])


def test_bounds_with_mu_and_group():
    result = certunlearn("bounds", "--mu", "0.5", "--group", "2", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["certificate"]["mu"] == pytest.approx(1.0)


def test_run_writes_report_and_json(tmp_path):
    out = tmp_path / "report"
    result = certunlearn(
        "run", "--dataset", "breast_cancer", "--method", "newton", *SMALL_RUN, "--out", str(out), "--json"
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["verdict"] in ("pass", "violation")
    assert {"radii", "unlearned_cdf", "reference_cdf", "unlearned_median", "reference_median"} <= set(record["depth"])
    assert {"train_s", "unlearn_s", "retrain_s"} <= set(record["timing"])
    assert record["certificate"]["notion"] == "epsilon-delta"
    assert "audit" in record
    assert sorted(path.name for path in out.iterdir()) == ["depth_cdf.png", "report.json", "report.md", "scores.png"]
    assert json.loads((out / "report.json").read_text())["verdict"] == record["verdict"]
    assert "Verdict" in (out / "report.md").read_text()
    assert not [path for path in tmp_path.iterdir() if "partial" in path.name]


def test_run_text_output_has_certificate_and_table(tmp_path):
    result = certunlearn("run", "--dataset", "digits", "--method", "newton", "--forget-class", "3", *SMALL_RUN)
    assert result.returncode == 0, result.stderr
    assert "Certificate:" in result.stdout
    assert "median depth" in result.stdout
    assert "verdict:" in result.stdout


def test_run_reads_users_csv(tmp_path):
    rows = ["a,b,c,label"] + [f"{i % 5},{(i * 7) % 11},{i / 10},{int(i % 5 > 2)}" for i in range(120)]
    (tmp_path / "mine.csv").write_text("\n".join(rows) + "\n")
    result = certunlearn("run", "--dataset", str(tmp_path / "mine.csv"), "--method", "newton", *SMALL_RUN, "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["config"]["dataset"]["n_classes"] == 2


BAD_INPUTS = [
    (["--epsilon", "0"], "--epsilon must be in (0, inf)"),
    (["--epsilon", "-1"], "--epsilon must be in (0, inf)"),
    (["--delta", "1"], "--delta must be in (0, 1)"),
    (["--delta", "nan"], "--delta must be in (0, 1)"),
    (["--forget-fraction", "0.6"], "--forget-fraction must be in (0, 0.5]"),
    (["--forget-fraction", "0"], "--forget-fraction must be in (0, 0.5]"),
    (["--seeds", "0"], "--seeds must be an integer >= 1"),
    (["--forget-class", "12"], "--forget-class must be one of the dataset's classes"),
]


@pytest.mark.parametrize(("extra", "message"), BAD_INPUTS)
def test_run_bad_input_is_one_line_without_report(tmp_path, extra, message):
    out = tmp_path / "never"
    result = certunlearn("run", "--dataset", "digits", "--method", "newton", *SMALL_RUN, *extra, "--out", str(out))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dataset", "imagenet", "--method", "newton"], "--dataset must be 'digits', 'breast_cancer', or a path"),
        (["--dataset", "/no/such/file.csv", "--method", "newton"], "--dataset must be"),
        (["--dataset", "digits", "--method", "magic"], "--method must be one of "),
    ],
)
def test_run_unknown_dataset_or_method(tmp_path, arguments, message):
    result = certunlearn("run", *arguments, *SMALL_RUN, "--out", str(tmp_path / "x"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_calibrate_bad_input():
    result = certunlearn("calibrate", "--epsilon", "2", "--delta", "1e-5", "--method", "classical")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "certunlearn calibrate: error: --epsilon must be in (0, 1) for --method classical "
        "(use --method analytic for epsilon >= 1), got 2.0"
    )
    missing = certunlearn("calibrate", "--delta", "1e-5")
    assert missing.returncode == 2
    assert len(missing.stderr.strip().splitlines()) == 1


def test_interrupted_run_leaves_no_report(tmp_path):
    out = tmp_path / "report"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "certunlearn",
            "run",
            "--dataset",
            "digits",
            "--method",
            "newton",
            "--seeds",
            "400",
            "--workers",
            "1",
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(8)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert "interrupted" in stderr
    assert not out.exists()
    assert os.listdir(tmp_path) == []


def test_module_and_console_script_agree():
    result = certunlearn("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("certunlearn ")


def test_run_creates_missing_parent_folders(tmp_path):
    out = tmp_path / "reports" / "nested" / "digits"
    result = certunlearn("run", "--dataset", "breast_cancer", "--method", "newton", *SMALL_RUN, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "report.json").is_file()


def test_out_under_a_file_is_rejected(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    result = certunlearn("run", "--dataset", "digits", "--method", "newton", *SMALL_RUN, "--out", str(blocker / "r"))
    assert result.returncode == 2
    assert "--out must be a path whose existing ancestors are folders" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["file.txt"]


def test_calibrate_text_rounds_sigma_up():
    result = certunlearn("calibrate", "--epsilon", "1", "--delta", "1e-5")
    assert result.returncode == 0, result.stderr
    assert "sigma = 3.7306317" in result.stdout


def test_run_warns_when_seeds_cannot_detect():
    result = certunlearn("run", "--dataset", "breast_cancer", "--method", "newton", *SMALL_RUN)
    assert result.returncode == 0, result.stderr
    expected = "warning: with --seeds 3 no violation of the target certificate (epsilon=1, delta=1e-05) can be detected"
    assert expected in result.stderr
    # SMALL_RUN's 6-radius grid needs fewer seeds than the default 41 radii (29 at ε = 1).
    assert re.search(r"use --seeds \d+ or more", result.stderr)
    assert "this pass carries no evidence" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["run", "--dataset", "digits", "--method", "sekhari", "--param", "sigma=-1"],
            "--param sigma must be in (0, inf)",
        ),
        (["run", "--dataset", "digits", "--method", "newton", "--param", "epsilon=2"], "--param must be a method"),
        (
            ["run", "--dataset", "digits", "--method", "newton", "--out", "/proc/forbidden/x"],
            "--out must be a location",
        ),
        (["bounds", "--epsilon", "1"], "--delta is missing: give it together with --epsilon"),
        (["bounds"], "a certificate is missing"),
        (["bounds", "--certificate", "/no/such.json"], "--certificate must be a path to an existing JSON file"),
        (
            ["bounds", "--epsilon", "1", "--delta", "0.1", "--plot", "out.txt"],
            "--plot must be a file name ending in .png",
        ),
    ],
)
def test_more_bad_input_is_one_line(arguments, message):
    result = certunlearn(*arguments, "--seeds", "2") if arguments[0] == "run" else certunlearn(*arguments)
    assert result.returncode == 2
    lines = [line for line in result.stderr.strip().splitlines() if "warning" not in line]
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr
