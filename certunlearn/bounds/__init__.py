"""Bounds: certificates, transfer functions, depth guarantees and noise calibration.

Pure mathematics on numbers and arrays; this package imports no torch.
"""

from .certificate import (
    Assumption,
    Certificate,
    EpsilonDeltaCertificate,
    GaussianDPCertificate,
    Provenance,
    certificate_from_dict,
)
from .composition import compose, group_deletion, self_compose
from .depth import depth_cdf_bound, depth_quantile_level, expected_score_bound, guaranteed_grid_depth
from .gaussian import (
    calibrate_analytic_gaussian,
    calibrate_classical_gaussian,
    gaussian_delta,
    gaussian_epsilon,
    gdp_delta,
)
from .transfer import (
    epsilon_delta_transfer,
    epsilon_delta_transfer_inverse,
    gdp_transfer,
    gdp_transfer_inverse,
)

__all__ = [
    "Assumption",
    "Certificate",
    "EpsilonDeltaCertificate",
    "GaussianDPCertificate",
    "Provenance",
    "calibrate_analytic_gaussian",
    "calibrate_classical_gaussian",
    "certificate_from_dict",
    "compose",
    "depth_cdf_bound",
    "depth_quantile_level",
    "epsilon_delta_transfer",
    "epsilon_delta_transfer_inverse",
    "expected_score_bound",
    "gaussian_delta",
    "gaussian_epsilon",
    "gdp_delta",
    "gdp_transfer",
    "gdp_transfer_inverse",
    "group_deletion",
    "guaranteed_grid_depth",
    "self_compose",
]
