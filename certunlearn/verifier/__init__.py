"""Verifier: repeated runs, depth probes, and statistical checks against the bounds."""

from .bands import clopper_pearson_lower, clopper_pearson_upper, dkw_halfwidth, empirical_cdf_band
from .depth_audit import DepthAudit, audit_depths
from .probes import BallProbe
from .report import render_text, result_record, write_report
from .runner import AuditResult, AuditSettings, run_audit
from .scores import memorization_score

__all__ = [
    "AuditResult",
    "AuditSettings",
    "BallProbe",
    "DepthAudit",
    "audit_depths",
    "clopper_pearson_lower",
    "clopper_pearson_upper",
    "dkw_halfwidth",
    "empirical_cdf_band",
    "memorization_score",
    "render_text",
    "result_record",
    "run_audit",
    "write_report",
]
