"""The audit end to end: a planted fault is flagged, a correct method passes, runs reproduce."""

from __future__ import annotations

import numpy as np
import pytest

from certunlearn.engine import DeletionRequest, load_dataset
from certunlearn.engine.base import UnlearningOutcome
from certunlearn.engine.newton import CertifiedNewtonRemoval
from certunlearn.verifier import AuditSettings, result_record, run_audit


class ClaimsWithoutUnlearning(CertifiedNewtonRemoval):
    """A planted fault: issues Newton removal's certificate but releases the original model."""

    name = "planted-fault"

    def unlearn(self, state, request, *, rng):
        honest = super().unlearn(state, request, rng=rng)
        return UnlearningOutcome(model=self.model_of(state), state=state, certificate=honest.certificate)


class ForgetsNothingUncertified(CertifiedNewtonRemoval):
    name = "uncertified-copy"
    guarantee = "uncertified"

    def unlearn(self, state, request, *, rng):
        return UnlearningOutcome(model=self.model_of(state), state=state, certificate=None)


@pytest.fixture(scope="module")
def digits():
    return load_dataset("digits")


@pytest.fixture(scope="module")
def class_request(digits):
    return DeletionRequest(tuple(np.flatnonzero(digits.y_train == 3).tolist()), kind="class", label=3)


SETTINGS = AuditSettings(seeds=40, calibration_seeds=6, workers=1)


def test_planted_fault_is_flagged(digits, class_request):
    """The fault keeps the forget class in the model; the check must report a violation.

    A correct implementation is flagged with probability at most α = 0.05; this fault
    moves the depth CDF at radius 0 from about 0 (reference) to about 1 (released).
    """
    result = run_audit(digits, ClaimsWithoutUnlearning(), class_request, SETTINGS, progress=False)
    assert result.verdict == "violation"
    assert result.audit.epsilon_lower_bound > 1.0


def test_correct_method_passes(digits, class_request):
    """Same data and seeds as the fault; a correct method passes (false-alarm rate α = 0.05)."""
    result = run_audit(digits, CertifiedNewtonRemoval(), class_request, SETTINGS, progress=False)
    assert result.verdict == "pass"
    assert not result.audit.violations


def test_uncertified_method_gets_uncertified_verdict(digits):
    request = DeletionRequest(tuple(range(0, 120, 10)))
    settings = AuditSettings(seeds=4, calibration_seeds=2, grid_size=5, probe_steps=5, workers=1)
    result = run_audit(digits, ForgetsNothingUncertified(), request, settings, progress=False)
    assert result.verdict == "uncertified"
    record = result_record(result)
    assert record["certificate"] is None
    assert record["audit"]["bound_on_unlearned_cdf"] is None


def test_medians_are_observed_depths(digits):
    """With an even number of seeds the median is the lower one, as the other quantiles are."""
    request = DeletionRequest(tuple(range(0, 120, 10)))
    settings = AuditSettings(seeds=4, calibration_seeds=2, grid_size=5, probe_steps=5, workers=1)
    record = result_record(run_audit(digits, CertifiedNewtonRemoval(), request, settings, progress=False))
    depth = record["depth"]
    for side in ("unlearned", "reference"):
        observed = sorted(depth[f"{side}_depths"])
        assert depth[f"{side}_median"] == observed[1]
        assert depth[f"{side}_median"] == depth[f"{side}_quantiles"]["0.5"]


def test_same_seed_reproduces_and_other_seed_differs(digits):
    request = DeletionRequest(tuple(range(0, 130, 10)))
    settings = AuditSettings(seeds=5, calibration_seeds=3, grid_size=9, probe_steps=10, workers=1)
    first = result_record(run_audit(digits, CertifiedNewtonRemoval(), request, settings, progress=False))
    again = result_record(run_audit(digits, CertifiedNewtonRemoval(), request, settings, progress=False))
    other = result_record(
        run_audit(
            digits, CertifiedNewtonRemoval(), request, AuditSettings(**{**settings.__dict__, "seed": 1}), progress=False
        )
    )
    assert np.array_equal(first["depth"]["unlearned_depths"], again["depth"]["unlearned_depths"])
    assert first["audit"]["tau"] == again["audit"]["tau"]
    assert first["scores"]["unlearned"] == again["scores"]["unlearned"]
    assert first["scores"]["unlearned"] != other["scores"]["unlearned"]


def test_dask_local_cluster_matches_in_process(digits):
    distributed = pytest.importorskip("distributed")
    request = DeletionRequest(tuple(range(0, 130, 10)))
    settings = AuditSettings(seeds=4, calibration_seeds=2, grid_size=7, probe_steps=8, workers=1)
    local = result_record(run_audit(digits, CertifiedNewtonRemoval(), request, settings, progress=False))
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, host="127.0.0.1"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        remote = result_record(
            run_audit(
                digits, CertifiedNewtonRemoval(), request, settings, executor=client.get_executor(), progress=False
            )
        )
    assert np.array_equal(local["depth"]["unlearned_depths"], remote["depth"]["unlearned_depths"])
    assert local["scores"] == remote["scores"]


def test_sequential_requests_are_split_and_reported(digits):
    from certunlearn.verifier.runner import split_request

    request = DeletionRequest(tuple(range(0, 130, 10)))
    parts = split_request(request, 3)
    assert [len(part) for part in parts] == [5, 4, 4]
    assert sorted(index for part in parts for index in part.indices) == list(request.indices)
    settings = AuditSettings(seeds=3, calibration_seeds=2, grid_size=5, probe_steps=5, requests=3, workers=1)
    record = result_record(run_audit(digits, CertifiedNewtonRemoval(), request, settings, progress=False))
    assert record["requests"]["count"] == 3
    assert len(record["requests"]["retrained_at_request"]) == 3
    assert record["certificate"]["provenance"]["requests"] >= 1
    with pytest.raises(Exception, match="^requests must be at most the forget set's size"):
        split_request(request, 14)
