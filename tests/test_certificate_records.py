"""Certificate records: immutability, JSON round trips, statements, composition rules."""

from __future__ import annotations

import dataclasses
import json
import math

import pytest

from certunlearn import bounds
from certunlearn._formatting import dumps
from certunlearn._validate import InvalidArgumentError


def make_provenance(**changes):
    base = dict(
        algorithm="test mechanism",
        basis="data-dependent",
        bound_name="residual",
        bound=0.1,
        requests=2,
        assumptions=(
            bounds.Assumption(name="norm", value="||x|| <= 1", checked=True, detail="max 0.99"),
            bounds.Assumption(name="theorem", value="published", checked=False),
        ),
        parameters=(("sigma", 1.5),),
        notes=("a caveat",),
    )
    base.update(changes)
    return bounds.Provenance(**base)


def test_certificates_are_immutable():
    certificate = bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=1e-5, provenance=make_provenance())
    with pytest.raises(dataclasses.FrozenInstanceError):
        certificate.epsilon = 2.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "certificate",
    [
        bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=1e-5, provenance=make_provenance()),
        bounds.EpsilonDeltaCertificate(epsilon=math.inf, delta=0.0, provenance=make_provenance()),
        bounds.GaussianDPCertificate(mu=0.7, provenance=make_provenance()),
    ],
)
def test_json_round_trip(certificate):
    text = dumps(certificate.to_dict())
    restored = bounds.certificate_from_dict(json.loads(text))
    assert restored == certificate


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda record: {key: value for key, value in record.items() if key != "delta"}, "missing field 'delta'"),
        (lambda record: {key: value for key, value in record.items() if key != "provenance"}, "missing field"),
        (lambda record: {**record, "provenance": 5}, "well-formed epsilon-delta certificate record"),
        (lambda record: list(record), "a dict from Certificate.to_dict"),
    ],
)
def test_malformed_record_rejected(change, message):
    record = bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=1e-5, provenance=make_provenance()).to_dict()
    with pytest.raises(InvalidArgumentError, match=f"^record must be .*{message}"):
        bounds.certificate_from_dict(change(record))


def test_statement_names_guarantee_basis_and_unchecked_assumptions():
    text = bounds.EpsilonDeltaCertificate(epsilon=1.0, delta=1e-5, provenance=make_provenance()).statement()
    assert "P(unlearned in E) <= e^1 * P(retrained in E) + 1e-05" in text
    assert "Source: test mechanism; data-dependent bound on the residual: 0.1" in text
    assert "covers 2 deletion requests" in text
    assert "NOT verified" in text
    assert "Note: a caveat" in text


def test_provenance_rejects_unknown_basis():
    with pytest.raises(InvalidArgumentError, match="^basis must be one of"):
        make_provenance(basis="hopeful")


@pytest.mark.parametrize(("epsilon", "delta"), [(-0.1, 1e-5), (1.0, -1e-9), (1.0, 1.5), (math.nan, 0.1)])
def test_certificate_rejects_bad_parameters(epsilon, delta):
    with pytest.raises(InvalidArgumentError):
        bounds.EpsilonDeltaCertificate(epsilon=epsilon, delta=delta)


def test_basic_composition_adds_epsilon_and_delta():
    one = bounds.EpsilonDeltaCertificate(epsilon=0.5, delta=1e-6, provenance=make_provenance(requests=1))
    composed = bounds.self_compose(one, 4)
    assert composed.epsilon == pytest.approx(2.0)
    assert composed.delta == pytest.approx(4e-6)
    assert composed.epsilon >= 2.0 and composed.delta >= 4e-6
    assert composed.provenance.requests == 4


def test_composition_caps_delta_at_one():
    one = bounds.EpsilonDeltaCertificate(epsilon=0.1, delta=0.4)
    assert bounds.self_compose(one, 3).delta == 1.0


def test_gdp_composition_is_exact():
    composed = bounds.compose([bounds.GaussianDPCertificate(mu=0.3), bounds.GaussianDPCertificate(mu=0.4)])
    assert composed.mu == pytest.approx(0.5)


def test_group_deletion_reference_values():
    # Per-point (ε, δ) of the Gaussian mechanism at σ = 2, δ = 1e-5 is ε = 1.993091; the
    # generic group bound for two points is (3.986183, 8.338e-5) (recomputed with
    # dp_accounting 0.6.0 for ε; δ(e^{2ε} − 1)/(e^ε − 1) for δ).
    per_point = bounds.EpsilonDeltaCertificate(epsilon=1.993091, delta=1e-5)
    grouped = bounds.group_deletion(per_point, 2)
    assert grouped.epsilon == pytest.approx(3.986182, abs=1e-5)
    assert grouped.delta == pytest.approx(8.338e-5, rel=1e-3)
    assert grouped.delta <= 2 * math.exp(per_point.epsilon) * per_point.delta
    assert grouped.provenance.group_size == 2


def test_group_deletion_is_sound_against_exact_gaussian():
    # The exact Gaussian mechanism with Δ = 2 at the grouped ε has δ below the group bound.
    per_point_epsilon = float(bounds.gaussian_epsilon(sigma=2.0, delta=1e-5))
    grouped = bounds.group_deletion(bounds.EpsilonDeltaCertificate(epsilon=per_point_epsilon, delta=1e-5), 2)
    assert bounds.gaussian_delta(grouped.epsilon, sigma=2.0, sensitivity=2.0) <= grouped.delta
    assert bounds.group_deletion(bounds.GaussianDPCertificate(mu=0.5), 3).mu == pytest.approx(1.5)


def test_group_deletion_overflow_gives_vacuous_delta():
    grouped = bounds.group_deletion(bounds.EpsilonDeltaCertificate(epsilon=50.0, delta=1e-10), 100)
    assert grouped.delta == 1.0
