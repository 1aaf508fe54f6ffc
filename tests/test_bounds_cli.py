"""The ``bounds`` and ``account`` commands as a user runs them: real processes, real files."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from certunlearn import bounds


def certunlearn(*arguments: str) -> subprocess.CompletedProcess:
    """Run the command in a new process, as a user does."""
    return subprocess.run(
        [sys.executable, "-m", "certunlearn", *arguments], capture_output=True, text=True, timeout=300
    )


def run_in_process(capsys, *arguments: str) -> subprocess.CompletedProcess:
    """Run the same entry point in this process (much faster than a new interpreter)."""
    from certunlearn.cli.main import main

    code = main(list(arguments))
    captured = capsys.readouterr()
    return subprocess.CompletedProcess(list(arguments), code, captured.out, captured.err)


def _one_line_error(result: subprocess.CompletedProcess, flag: str) -> None:
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert flag in lines[0]
    assert "Traceback" not in result.stderr


def test_bounds_renyi_input_and_plot(tmp_path):
    plot = tmp_path / "curves.png"
    result = certunlearn(
        "bounds",
        "--orders",
        "2",
        "4",
        "8",
        "--rdp",
        "0.1",
        "0.25",
        "0.6",
        "--requests",
        "3",
        "--plot",
        str(plot),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["certificate"]["notion"] == "renyi"
    assert record["certificate"]["rdp"][0] == pytest.approx(0.3)
    assert {"p", "bound"} <= set(record["transfer"][0])
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The printed bound is the least over the listed certificates.
    candidates = [bounds.certificate_from_dict(item) for item in record["certificates"]]
    for row in record["transfer"]:
        assert row["bound"] == min(float(c.transfer(row["p"])) for c in candidates)


def test_bounds_certificate_file_round_trip(tmp_path, capsys):
    path = tmp_path / "certificate.json"
    profile = bounds.gdp_to_profile(bounds.GaussianDPCertificate(mu=0.5))
    from certunlearn.cli._output import dumps

    path.write_text(dumps({"certificate": profile.to_dict()}))
    result = run_in_process(capsys, "bounds", "--certificate", str(path), "--p", "0.01", "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["certificate"]["notion"] == "privacy-profile"
    assert record["transfer"][0]["bound"] == pytest.approx(float(profile.transfer(0.01)))


def test_bounds_several_requests_use_tighter_composition(capsys):
    result = run_in_process(
        capsys, "bounds", "--epsilon", "0.2", "--delta", "1e-7", "--requests", "30", "--p", "0.001", "--json"
    )
    record = json.loads(result.stdout)
    basic = bounds.EpsilonDeltaCertificate(epsilon=6.0, delta=3e-6).transfer(0.001)
    assert record["certificate"]["epsilon"] == pytest.approx(6.0)
    assert record["transfer"][0]["bound"] < basic


def test_bounds_text_output(capsys):
    result = run_in_process(capsys, "bounds", "--mu", "1.0", "--group", "2")
    assert result.returncode == 0, result.stderr
    assert "Theorem 1" in result.stdout
    assert "2-Gaussian-DP" in result.stdout


@pytest.mark.parametrize(
    "arguments, flag",
    [
        (["--orders", "1", "2", "--rdp", "0.1", "0.2"], "--orders"),
        (["--orders", "2", "3", "--rdp", "0.1"], "--rdp"),
        (["--orders", "2"], "--rdp is missing: give it together with --orders"),
        (["--epsilon", "1"], "--delta is missing: give it together with --epsilon"),
        (["--mu", "-1"], "--mu"),
        (["--mu", "1", "--requests", "0"], "--requests"),
        (["--mu", "1", "--p", "1.5"], "--p"),
        ([], "certificate"),
    ],
)
def test_bounds_bad_input_one_line(arguments, flag, capsys):
    _one_line_error(run_in_process(capsys, "bounds", *arguments), flag)


def test_bounds_missing_certificate_file(tmp_path, capsys):
    result = run_in_process(capsys, "bounds", "--certificate", str(tmp_path / "absent.json"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    _one_line_error(run_in_process(capsys, "bounds", "--certificate", str(bad)), "--certificate")


def test_account_json_contract():
    result = certunlearn(
        "account",
        "--mechanism",
        "subsampled-gaussian",
        "--noise-multiplier",
        "1.0",
        "--sampling-probability",
        "0.01",
        "--steps",
        "10000",
        "--delta",
        "1e-5",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert {"epsilon", "delta", "notion", "upper_bound"} <= set(record)
    assert record["upper_bound"] is True
    assert record["notion"] == "renyi"
    # dp_accounting 0.6.0 RdpAccountant: 6.713 at these parameters.
    assert record["epsilon"] == pytest.approx(6.713, abs=1e-3)


@pytest.mark.parametrize(
    "mechanism, extra, check",
    [
        (
            "gaussian",
            ["--noise-multiplier", "2", "--delta", "1e-5"],
            lambda r: r["epsilon"] == pytest.approx(1.993091, abs=2e-6),
        ),
        (
            "gaussian",
            ["--noise-multiplier", "2", "--steps", "4", "--epsilon", "1"],
            lambda r: r["delta"] == pytest.approx(float(bounds.gdp_delta(1.0, mu=1.0)), rel=1e-9),
        ),
        (
            "laplace",
            ["--noise-multiplier", "1", "--epsilon", "0.5"],
            lambda r: r["delta"] == pytest.approx(1 - 2.718281828459045**-0.25, rel=1e-9),
        ),
        ("laplace", ["--noise-multiplier", "10", "--steps", "100"], lambda r: 0 < r["epsilon"] < 10.0),
    ],
)
def test_account_mechanisms(mechanism, extra, check, capsys):
    result = run_in_process(capsys, "account", "--mechanism", mechanism, *extra, "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["upper_bound"] is True
    assert check(record)


def test_account_text_labels_the_bounded_quantity(capsys):
    given_epsilon = run_in_process(
        capsys, "account", "--mechanism", "laplace", "--noise-multiplier", "1", "--epsilon", "2"
    )
    assert "epsilon (given)" in given_epsilon.stdout
    assert "delta (upper bound)" in given_epsilon.stdout
    given_delta = run_in_process(
        capsys, "account", "--mechanism", "gaussian", "--noise-multiplier", "2", "--delta", "1e-5"
    )
    assert "epsilon (upper bound)" in given_delta.stdout
    assert "delta (given)" in given_delta.stdout


def test_bounds_reads_account_output(tmp_path, capsys):
    accounted = run_in_process(capsys, "account", "--mechanism", "gaussian", "--noise-multiplier", "2", "--json")
    path = tmp_path / "account.json"
    path.write_text(accounted.stdout)
    result = run_in_process(capsys, "bounds", "--certificate", str(path), "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["certificate"]["notion"] == "gaussian-dp"
    assert record["certificate"]["mu"] == json.loads(accounted.stdout)["certificate"]["mu"]


@pytest.mark.parametrize(
    "arguments, flag",
    [
        (["--mechanism", "gaussian", "--noise-multiplier", "0"], "--noise-multiplier"),
        (["--mechanism", "subsampled-gaussian", "--noise-multiplier", "1"], "--sampling-probability"),
        (
            ["--mechanism", "subsampled-gaussian", "--noise-multiplier", "1", "--sampling-probability", "1.5"],
            "--sampling-probability",
        ),
        (["--mechanism", "laplace", "--noise-multiplier", "1", "--steps", "0"], "--steps"),
        (["--mechanism", "gaussian", "--noise-multiplier", "1", "--delta", "1"], "--delta"),
        (["--mechanism", "gaussian", "--noise-multiplier", "1", "--epsilon", "-1"], "--epsilon"),
        (["--mechanism", "gaussian", "--noise-multiplier", "1", "--delta", "1e-5", "--epsilon", "1"], "--epsilon"),
        (["--mechanism", "poisson", "--noise-multiplier", "1"], "--mechanism"),
    ],
)
def test_account_bad_input_one_line(arguments, flag, capsys):
    try:
        result = run_in_process(capsys, "account", *arguments)
    except SystemExit as error:
        # argparse rejects a choice or an exclusive pair itself, with status 2.
        captured = capsys.readouterr()
        result = subprocess.CompletedProcess(arguments, error.code, captured.out, captured.err)
    _one_line_error(result, flag)


def test_account_bad_input_in_new_process():
    """The one-line error and exit status hold in a real process too."""
    _one_line_error(certunlearn("account", "--mechanism", "gaussian", "--noise-multiplier", "0"), "--noise-multiplier")
