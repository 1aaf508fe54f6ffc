"""Bounds: certificates, transfer functions, depth guarantees and noise calibration.

Pure mathematics on numbers and arrays; this package imports no torch.

Notions (each a :class:`Certificate` that round-trips through JSON): (ε, δ), privacy
profiles, Rényi curves, μ-GDP, f-DP trade-off functions, and the best of several.
Every bound is rounded towards the safe side.
"""

from .calibration import (
    calibrate_gaussian,
    calibrate_gaussian_to_mu,
    calibrate_gaussian_to_profile,
    calibrate_gaussian_to_renyi,
    calibrate_subsampled_gaussian,
    subsampled_gaussian_epsilon,
    subsampled_gaussian_rdp_total,
)
from .certificate import (
    Assumption,
    Certificate,
    EpsilonDeltaCertificate,
    GaussianDPCertificate,
    Provenance,
    certificate_from_dict,
    register_notion,
)
from .combine import BestOfCertificate, best_of
from .composition import compose, compose_profiles, compose_renyi, group_deletion, self_compose
from .conversions import (
    epsilon_delta_to_renyi,
    epsilon_for_delta,
    gdp_to_profile,
    gdp_to_renyi,
    profile_to_epsilon_delta,
    profile_to_tradeoff,
    rdp_at_orders,
    renyi_on_orders,
    renyi_to_epsilon_delta,
    renyi_to_profile,
    to_epsilon_delta,
    to_profile,
    to_renyi,
    to_tradeoff,
    tradeoff_to_profile,
)
from .depth import depth_cdf_bound, depth_quantile_level, expected_score_bound, guaranteed_grid_depth
from .dp_composition import advanced_composition, optimal_composition_delta, optimal_composition_epsilon
from .fdp import TradeOffCertificate, epsilon_delta_tradeoff, gaussian_tradeoff
from .gaussian import (
    calibrate_analytic_gaussian,
    calibrate_classical_gaussian,
    calibrate_gdp_mu,
    gaussian_delta,
    gaussian_epsilon,
    gdp_delta,
    gdp_epsilon,
)
from .laplace import calibrate_laplace, laplace_delta, laplace_epsilon
from .ledger import Budget, DeletionLedger, DeletionRequest
from .profile import DEFAULT_EPSILONS, PrivacyProfileCertificate
from .renyi import (
    DEFAULT_ORDERS,
    OrderGridWarning,
    RenyiCertificate,
    gaussian_rdp,
    laplace_rdp,
    pure_dp_rdp,
    rdp_to_delta,
    rdp_to_epsilon,
    renyi_transfer,
    renyi_transfer_inverse,
)
from .smoothing import (
    SmoothedRadius,
    clopper_pearson_upper,
    smoothed_depth_radius,
    smoothed_depth_radius_from_reference,
    smoothed_probability_bound,
    smoothed_radius,
)
from .subsampled_gaussian import subsampled_gaussian_rdp
from .transfer import (
    epsilon_delta_transfer,
    epsilon_delta_transfer_inverse,
    gdp_transfer,
    gdp_transfer_inverse,
)

__all__ = [
    "DEFAULT_EPSILONS",
    "DEFAULT_ORDERS",
    "Assumption",
    "BestOfCertificate",
    "Budget",
    "Certificate",
    "DeletionLedger",
    "DeletionRequest",
    "EpsilonDeltaCertificate",
    "GaussianDPCertificate",
    "OrderGridWarning",
    "PrivacyProfileCertificate",
    "Provenance",
    "RenyiCertificate",
    "SmoothedRadius",
    "TradeOffCertificate",
    "advanced_composition",
    "best_of",
    "calibrate_analytic_gaussian",
    "calibrate_classical_gaussian",
    "calibrate_gaussian",
    "calibrate_gaussian_to_mu",
    "calibrate_gaussian_to_profile",
    "calibrate_gaussian_to_renyi",
    "calibrate_gdp_mu",
    "calibrate_laplace",
    "calibrate_subsampled_gaussian",
    "certificate_from_dict",
    "clopper_pearson_upper",
    "compose",
    "compose_profiles",
    "compose_renyi",
    "depth_cdf_bound",
    "depth_quantile_level",
    "epsilon_delta_to_renyi",
    "epsilon_delta_tradeoff",
    "epsilon_delta_transfer",
    "epsilon_delta_transfer_inverse",
    "epsilon_for_delta",
    "expected_score_bound",
    "gaussian_delta",
    "gaussian_epsilon",
    "gaussian_rdp",
    "gaussian_tradeoff",
    "gdp_delta",
    "gdp_epsilon",
    "gdp_to_profile",
    "gdp_to_renyi",
    "gdp_transfer",
    "gdp_transfer_inverse",
    "group_deletion",
    "guaranteed_grid_depth",
    "laplace_delta",
    "laplace_epsilon",
    "laplace_rdp",
    "optimal_composition_delta",
    "optimal_composition_epsilon",
    "profile_to_epsilon_delta",
    "profile_to_tradeoff",
    "pure_dp_rdp",
    "rdp_at_orders",
    "rdp_to_delta",
    "rdp_to_epsilon",
    "register_notion",
    "renyi_on_orders",
    "renyi_to_epsilon_delta",
    "renyi_to_profile",
    "renyi_transfer",
    "renyi_transfer_inverse",
    "self_compose",
    "smoothed_depth_radius",
    "smoothed_depth_radius_from_reference",
    "smoothed_probability_bound",
    "smoothed_radius",
    "subsampled_gaussian_epsilon",
    "subsampled_gaussian_rdp",
    "subsampled_gaussian_rdp_total",
    "to_epsilon_delta",
    "to_profile",
    "to_renyi",
    "to_tradeoff",
    "tradeoff_to_profile",
]
