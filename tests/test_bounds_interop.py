"""Certificates from dp_accounting (0.6.0 in the test environment), and the missing-extra error."""

from __future__ import annotations

import builtins
import math

import numpy as np
import pytest

from certunlearn import bounds
from certunlearn._validate import InvalidArgumentError
from certunlearn.bounds import interop
from certunlearn.testing import GaussianPair, SubsampledGaussianPair, check_transfer_sound

dp_accounting = pytest.importorskip("dp_accounting")


def test_rdp_accountant_to_renyi_certificate():
    """Our Rényi certificate from dp_accounting's accountant converts like dp_accounting does."""
    event = dp_accounting.PoissonSampledDpEvent(0.01, dp_accounting.GaussianDpEvent(1.0))
    accountant = dp_accounting.rdp.RdpAccountant()
    accountant.compose(event, 1000)
    certificate = interop.certificate_from_rdp_accountant(accountant)
    ours = bounds.epsilon_for_delta(certificate, delta=1e-5, warn=False)
    theirs = accountant.get_epsilon(1e-5)
    assert ours >= theirs
    assert ours == pytest.approx(theirs, rel=1e-9)
    assert any("add or remove" in note for note in certificate.provenance.notes)


def test_rdp_accountant_infinite_orders_kept_as_inf():
    """dp_accounting stores +inf at fractional orders whose series does not converge."""
    accountant = dp_accounting.rdp.RdpAccountant()
    accountant.compose(dp_accounting.PoissonSampledDpEvent(0.125, dp_accounting.GaussianDpEvent(0.8)), 1)
    certificate = interop.certificate_from_rdp_accountant(accountant)
    assert any(math.isinf(value) for value in certificate.rdp)
    check_transfer_sound(certificate, SubsampledGaussianPair(0.8, 0.125))


def test_pld_accountant_to_profile():
    accountant = dp_accounting.pld.PLDAccountant()
    accountant.compose(dp_accounting.GaussianDpEvent(2.0), 4)
    profile = interop.profile_from_accountant(accountant, epsilons=np.linspace(0, 6, 61))
    # Four releases with z = 2 are exactly 1-GDP.
    check_transfer_sound(profile, GaussianPair(1.0))
    assert bounds.epsilon_for_delta(profile, delta=1e-5) >= bounds.gdp_epsilon(mu=1.0, delta=1e-5)
    assert bounds.epsilon_for_delta(profile, delta=1e-5) <= bounds.gdp_epsilon(mu=1.0, delta=1e-5) * 1.05


def test_events():
    gaussian = interop.certificate_from_event(dp_accounting.GaussianDpEvent(2.0))
    assert isinstance(gaussian, bounds.GaussianDPCertificate)
    assert gaussian.mu == pytest.approx(0.5)
    composed = interop.certificate_from_event(dp_accounting.SelfComposedDpEvent(dp_accounting.GaussianDpEvent(2.0), 4))
    assert composed.mu == pytest.approx(1.0)
    sampled = interop.certificate_from_event(
        dp_accounting.PoissonSampledDpEvent(0.01, dp_accounting.GaussianDpEvent(1.0)), orders=[2.0, 4.0, 8.0]
    )
    assert isinstance(sampled, bounds.RenyiCertificate)
    assert any("Poisson sampling" in note for note in sampled.provenance.notes)
    laplace = interop.certificate_from_event(dp_accounting.LaplaceDpEvent(2.0))
    assert bounds.epsilon_for_delta(laplace, delta=1e-9, warn=False) <= 0.5 + 1e-12
    mixed = interop.certificate_from_event(
        dp_accounting.ComposedDpEvent([dp_accounting.GaussianDpEvent(2.0), dp_accounting.LaplaceDpEvent(4.0)])
    )
    assert math.isfinite(bounds.epsilon_for_delta(mixed, delta=1e-5))
    assert interop.certificate_from_event(dp_accounting.NoOpDpEvent()).epsilon == 0.0
    with pytest.raises(InvalidArgumentError, match="^event must be"):
        interop.certificate_from_event(dp_accounting.NonPrivateDpEvent())


def test_accountant_type_checked():
    with pytest.raises(InvalidArgumentError, match="^accountant must be a dp_accounting.rdp.RdpAccountant"):
        interop.certificate_from_rdp_accountant(dp_accounting.pld.PLDAccountant())


def test_missing_extra_names_it(monkeypatch):
    """Without dp_accounting the error names the optional extra to install."""
    real_import = builtins.__import__

    def refuse(name, *args, **kwargs):
        if name == "dp_accounting" or name.startswith("dp_accounting."):
            raise ModuleNotFoundError("No module named 'dp_accounting'", name="dp_accounting")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse)
    with pytest.raises(ModuleNotFoundError, match=r"pip install certunlearn\[accounting\]"):
        interop.certificate_from_event(object())
