"""Audit reports: one JSON record for machines, Markdown and PNG plots for people.

:func:`result_record` turns an :class:`~certunlearn.verifier.runner.AuditResult` into the
JSON object of the ``certunlearn run`` contract; :func:`write_report` writes
``report.json``, ``report.md`` and the plots into a folder, atomically: the files are
written to a temporary sibling folder that is renamed only once everything succeeded,
so an interrupted or failed run never leaves a partial report behind.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, _validate
from .._formatting import dumps, table
from ..bounds import certificate_from_dict
from .runner import AuditResult, summarise
from .scores import SCORE_NAME

REPORT_FILES = ("report.json", "report.md", "depth_cdf.png", "scores.png")


def result_record(result: AuditResult) -> dict[str, Any]:
    """Return the JSON-ready record of an audit (keys as in the command-line contract)."""
    runs, audit, settings = result.runs, result.audit, result.settings
    unlearned_depths = np.array([run["unlearned_depth"] for run in runs], dtype=float)
    reference_depths = np.array([run["reference_depth"] for run in runs], dtype=float)
    certificate = next((run["certificate"] for run in runs if run["certificate"] is not None), None)
    timing = {key: float(np.median([run[key] for run in runs])) for key in ("train_s", "unlearn_s", "retrain_s")}
    timing["speedup"] = timing["retrain_s"] / timing["unlearn_s"] if timing["unlearn_s"] > 0 else math.inf
    timing["statistic"] = f"median over {len(runs)} seeds"
    timing["total_s"] = result.total_seconds

    beta = audit.guarantee_beta
    audit_record: dict[str, Any] = {
        "check": "Theorem 1 at every probe radius: lower band of one depth CDF <= h(upper band of the other)",
        "alpha": audit.alpha,
        "band": "per CDF at level alpha/2: DKW (Massart constant) intersected with Bonferroni "
        "Clopper-Pearson intervals at the grid radii; joint coverage >= 1 - alpha",
        "band_dkw_halfwidth": audit.unlearned.halfwidth,
        "unlearned_lower": audit.unlearned.lower,
        "unlearned_upper": audit.unlearned.upper,
        "reference_lower": audit.reference.lower,
        "reference_upper": audit.reference.upper,
        "bound_on_unlearned_cdf": audit.bound_on_unlearned,
        "bound_on_reference_cdf": audit.bound_on_reference,
        "violations": audit.violations,
        "epsilon_lower_bound": audit.epsilon_lower_bound,
        "detectable_epsilon_ceiling": audit.detectable_epsilon_ceiling,
        "detectable": audit.detectable,
        "minimum_seeds_to_detect": audit.minimum_seeds_to_detect,
        "power": _power_statement(audit, len(runs)),
        "guaranteed_depth": {
            "beta": beta,
            "radius": audit.guaranteed_depth,
            "unlearned_empirical_quantile": float(np.quantile(unlearned_depths, beta, method="inverted_cdf")),
            "trivial": audit.guaranteed_depth is not None and audit.guaranteed_depth <= result.probe.radii[0],
            "minimum_seeds": audit.minimum_seeds_for_guarantee,
            "statement": f"with confidence 1 - alpha, P(unlearned depth < radius) <= {beta:g} (Theorem 1, grid form)",
        },
        "tau": result.tau,
        "tau_source": result.tau_source,
        "score": SCORE_NAME,
        "probe": {
            "kind": "projected gradient ascent on the score inside an l2 ball over all parameters",
            "steps": result.probe.steps,
            "step_fraction": result.probe.step_fraction,
            "grid_size": len(result.probe.radii),
            "max_radius": result.probe.radii[-1],
        },
    }
    return {
        "certunlearn_version": __version__,
        "certificate": certificate,
        "certificate_statement": None if certificate is None else certificate_from_dict(certificate).statement(),
        "depth": {
            "radii": list(result.probe.radii),
            "unlearned_cdf": audit.unlearned.cdf,
            "reference_cdf": audit.reference.cdf,
            # The lower median, like every quantile here, is an observed depth and so a probe radius.
            "unlearned_median": float(np.quantile(unlearned_depths, 0.5, method="inverted_cdf")),
            "reference_median": float(np.quantile(reference_depths, 0.5, method="inverted_cdf")),
            "unlearned_quantiles": _quantiles(unlearned_depths),
            "reference_quantiles": _quantiles(reference_depths),
            "unlearned_depths": unlearned_depths,
            "reference_depths": reference_depths,
            "censoring": f"depth 'inf' means the probe did not reach tau within radius {result.probe.radii[-1]:.4g}",
        },
        "audit": audit_record,
        "verdict": result.verdict,
        "timing": timing,
        "accuracy": {
            name: summarise(run[f"{name}_accuracy"] for run in runs) for name in ("original", "unlearned", "reference")
        },
        "scores": {
            name: summarise(run[f"{name}_score"] for run in runs) for name in ("original", "unlearned", "reference")
        },
        "retrained_runs": int(sum(run["retrained"] for run in runs)),
        "requests": {
            "count": settings.requests,
            "retrained_at_request": [
                sum(run["requests"][index]["retrained"] for run in runs) for index in range(settings.requests)
            ],
            "statement": "retrained_at_request[i] counts the runs that retrained from scratch at request i "
            "because the certified budget was spent",
        },
        "unlearning_details": runs[0]["details"],
        "calibration": result.calibration,
        "config": {
            "dataset": result.dataset.summary(),
            "method": result.method,
            "forget": {
                "kind": result.request.kind,
                "size": len(result.request),
                "label": None if result.request.label is None else str(result.dataset.classes[result.request.label]),
            },
            "seeds": settings.seeds,
            "seed": settings.seed,
            "requests": settings.requests,
            "uncertified_delta": settings.uncertified_delta,
            "calibration_seeds": settings.calibration_seeds,
            "alpha": settings.alpha,
            "beta": settings.beta,
        },
        "notes": result.notes,
    }


def _power_statement(audit, seeds: int) -> str | None:
    if audit.detectable is None:
        return None
    if audit.detectable:
        return f"{seeds} seeds can detect a violation of the certificates these runs issued"
    needed = audit.minimum_seeds_to_detect
    more = f"at least {needed} seeds are needed" if needed else "no number of seeds up to 100,000 suffices"
    return (
        f"with {seeds} seeds no violation of the certificates these runs issued is detectable: even perfectly "
        f"separated depths would pass; {more} at this alpha and grid"
    )


def _quantiles(depths: np.ndarray) -> dict[str, float]:
    return {
        f"{level:g}": float(np.quantile(depths, level, method="inverted_cdf"))
        for level in (0.05, 0.25, 0.5, 0.75, 0.95)
    }


def summary_rows(record: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Return the rows of the results table: (quantity, unlearned, reference)."""
    depth, accuracy, scores = record["depth"], record["accuracy"], record["scores"]
    return [
        ("median depth", depth["unlearned_median"], depth["reference_median"]),
        ("5% depth quantile", depth["unlearned_quantiles"]["0.05"], depth["reference_quantiles"]["0.05"]),
        ("mean memorization score", scores["unlearned"]["mean"], scores["reference"]["mean"]),
        ("mean test accuracy", accuracy["unlearned"]["mean"], accuracy["reference"]["mean"]),
    ]


def render_text(record: dict[str, Any]) -> str:
    """Return the plain-text summary printed by ``certunlearn run``."""
    audit, timing, config = record["audit"], record["timing"], record["config"]
    forget = config["forget"]
    forgotten = f"points of class {forget['label']}" if forget["label"] is not None else "random points"
    lines = [
        f"dataset {config['dataset']['name']} ({config['dataset']['n_train']} training rows), method "
        f"{config['method']['name']} ({config['method']['guarantee']}), forget {forget['size']} {forgotten}, "
        f"{config['seeds']} seeds (base seed {config['seed']})",
        "",
    ]
    if record["certificate_statement"]:
        lines += ["Certificate:", record["certificate_statement"], ""]
    else:
        lines += ["Certificate: none (the method is uncertified)", ""]
    lines.append(table(["quantity", "unlearned", "reference"], summary_rows(record)))
    lines.append("")
    lines.append(f"memorization score: {audit['score']}; threshold tau = {audit['tau']:.4g} ({audit['tau_source']})")
    probe = audit["probe"]
    lines.append(f"depth probe: {probe['kind']}, {probe['grid_size']} radii up to {probe['max_radius']:.4g}")
    if audit["epsilon_lower_bound"] is not None:
        at_delta = record["certificate"]["delta"] if record["certificate"] else config["uncertified_delta"]
        lines.append(
            f"empirical epsilon lower bound from depth events at delta = {at_delta:.3g}: "
            f"{audit['epsilon_lower_bound']:.3g} (detectable at most {audit['detectable_epsilon_ceiling']:.3g} "
            "with these seeds)"
        )
    guaranteed = audit["guaranteed_depth"]
    if record["certificate"] is not None and not guaranteed["trivial"]:
        lines.append(
            f"guaranteed depth: P(unlearned depth < {guaranteed['radius']:.4g}) <= {guaranteed['beta']:g}; "
            f"observed {guaranteed['beta']:g}-quantile {guaranteed['unlearned_empirical_quantile']:.4g}"
        )
    elif record["certificate"] is not None:
        needed = guaranteed["minimum_seeds"]
        lines.append(
            f"guaranteed depth: none beyond the trivial at {config['seeds']} seeds (the reference band is too wide; "
            + (f"at least {needed} seeds are needed" if needed else "no practical number of seeds suffices")
            + ")"
        )
    lines.append(
        f"timing (median): train {timing['train_s']:.4g} s, unlearn {timing['unlearn_s']:.4g} s, retrain "
        f"{timing['retrain_s']:.4g} s; retraining takes {timing['speedup']:.3g}x the unlearning time"
    )
    if record["retrained_runs"]:
        note = record["unlearning_details"].get("note")
        reason = f" ({note})" if note else " (for certified methods: the budget was spent)"
        lines.append(f"{record['retrained_runs']} of {config['seeds']} runs retrained from scratch{reason}")
    if record["requests"]["count"] > 1:
        counts = ", ".join(str(count) for count in record["requests"]["retrained_at_request"])
        lines.append(f"{record['requests']['count']} sequential requests; runs retrained at each request: {counts}")
    lines += [f"note: {note}" for note in record["notes"]]
    violations = audit["violations"]
    lines.append("")
    if record["verdict"] == "violation":
        first = violations[0]
        lines.append(
            f"verdict: VIOLATION at radius {first['radius']:.4g} ({first['direction']} lower band "
            f"{first['lower_band']:.3g} > bound {first['bound']:.3g}); {len(violations)} radii violate the bound"
        )
    else:
        explanation = {
            "pass": f"no radius violates Theorem 1 at confidence {1 - audit['alpha']:g}",
            "uncertified": "the method issues no certificate to check",
        }[record["verdict"]]
        lines.append(f"verdict: {record['verdict']} ({explanation})")
        if record["verdict"] == "pass" and audit["detectable"] is False:
            lines.append(f"WARNING: {audit['power']}; this pass carries no evidence")
    return "\n".join(lines)


def render_markdown(record: dict[str, Any]) -> str:
    """Return ``report.md``."""
    config = record["config"]
    lines = [
        f"# certunlearn audit: {config['method']['name']} on {config['dataset']['name']}",
        "",
        f"**Verdict: {record['verdict']}**",
        "",
        "## Certificate",
        "",
        record["certificate_statement"] or "None: the method is uncertified.",
        "",
        "## Results",
        "",
        "| quantity | unlearned | reference |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {_fmt(u)} | {_fmt(r)} |" for name, u, r in summary_rows(record)]
    lines += ["", "![Depth CDFs](depth_cdf.png)", "", "![Memorization scores](scores.png)", "", "## Details", ""]
    lines += ["```", render_text(record), "```", ""]
    lines += ["## Data", ""] + [f"- {step}" for step in config["dataset"]["preprocessing"]]
    lines += [
        "",
        "## Reproduce",
        "",
        f"Base seed {config['seed']}; every random stream derives from it. "
        f"certunlearn {record['certunlearn_version']}. The full record is in `report.json`.",
        "",
    ]
    return "\n".join(lines)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "inf" if math.isinf(value) else f"{value:.4g}"
    return str(value)


def plot_depth_cdfs(record: dict[str, Any], path: Path) -> None:
    """Plot both empirical depth CDFs with their bands and the Theorem 1 bound."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    depth, audit = record["depth"], record["audit"]
    radii = np.asarray(depth["radii"], dtype=float)
    figure, axis = plt.subplots(figsize=(7, 4.5))
    for name, colour in (("unlearned", "tab:red"), ("reference", "tab:blue")):
        axis.step(radii, depth[f"{name}_cdf"], where="post", color=colour, label=f"{name} (empirical)")
        axis.fill_between(
            radii,
            audit[f"{name}_lower"],
            audit[f"{name}_upper"],
            step="post",
            color=colour,
            alpha=0.15,
            label=f"{name} band (both bands hold together at {1 - audit['alpha']:g})",
        )
    if audit["bound_on_unlearned_cdf"] is not None:
        axis.step(
            radii,
            audit["bound_on_unlearned_cdf"],
            where="post",
            color="black",
            linestyle="--",
            label="Theorem 1 bound h(reference upper band)",
        )
    axis.set_xlabel("probe radius r (l2 norm of the weight perturbation)")
    axis.set_ylabel("P(depth <= r)")
    axis.set_ylim(-0.02, 1.02)
    axis.set_title(f"Depth CDFs: {record['config']['method']['name']} (verdict: {record['verdict']})")
    axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_scores(record: dict[str, Any], path: Path, runs_scores: dict[str, list[float]]) -> None:
    """Plot the memorization scores of the three models per seed, with τ."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 3.5))
    values = [runs_scores[name] for name in ("original", "unlearned", "reference")]
    axis.boxplot(values, tick_labels=["original", "unlearned", "reference"], vert=False)
    axis.axvline(record["audit"]["tau"], color="black", linestyle="--", label="tau")
    axis.set_xlabel(SCORE_NAME)
    axis.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def check_output_folder(out: str | os.PathLike) -> Path:
    """Validate `out` before any work: a new folder, an empty one, or a previous report's.

    Missing parent folders are allowed (the report writer creates them), but the nearest
    existing ancestor must be a folder.
    """
    path = Path(out)
    if path.exists():
        if not path.is_dir():
            raise _validate.fail("--out", "a folder path (not an existing file)", str(path))
        entries = {entry.name for entry in path.iterdir()}
        if entries and not entries <= set(REPORT_FILES):
            allowed = "a new folder, an empty one, or one holding only a previous report"
            raise _validate.fail("--out", allowed, str(path))
    ancestor = path.resolve().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise _validate.fail("--out", "a path whose existing ancestors are folders", str(path))
    # Try the writer's first step now, so that an unwritable location fails before a
    # long audit rather than after it.
    try:
        probe = tempfile.mkdtemp(prefix=".certunlearn-write-check-", dir=ancestor)
    except OSError as error:
        raise _validate.fail("--out", "a location where folders can be created", f"{path} ({error.strerror})") from None
    os.rmdir(probe)
    return path


def write_report(result: AuditResult, record: dict[str, Any], out: str | os.PathLike) -> Path:
    """Write the report files into `out` atomically and return the folder."""
    target = check_output_folder(out)
    parent = target.resolve().parent
    created = [folder for folder in (parent, *parent.parents) if not folder.exists()]
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=parent))
    try:
        (staging / "report.json").write_text(dumps(record, indent=2) + "\n")
        (staging / "report.md").write_text(render_markdown(record))
        plot_depth_cdfs(record, staging / "depth_cdf.png")
        scores = {
            name: [run[f"{name}_score"] for run in result.runs] for name in ("original", "unlearned", "reference")
        }
        plot_scores(record, staging / "scores.png", scores)
        # mkdtemp creates the folder private (mode 0700); give it the usual mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(staging, 0o777 & ~umask)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        # Remove the parent folders this call created, innermost first, if still empty.
        for folder in created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return target
