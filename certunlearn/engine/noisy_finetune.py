"""Certified noisy fine-tuning for any torch classifier (Koloskova, Allouah, Jha, Guerraoui and Koyejo, ICML 2025).

Learning (``A``) is ordinary training, with any optimizer: the guarantee does not
depend on it. Unlearning (``U``) restarts from a point that carries little of the old
model:

1. clip the current parameters into the ball of radius ``C₀`` around the origin;
2. run a noisy phase on the retained data only;
3. fine-tune on the retained data without noise (post-processing).

The reference mechanism (``R``) is the same three steps applied to a model trained on
the retained data only. Both noisy phases start inside the same ball, so the two
starting points are at distance at most ``2C₀`` whatever the training did, and the
noisy phase makes their laws close:

* :class:`NoisyFineTuneGradientClipping`: ``x ← (1 − ηλ)x − η clip(ḡ, C₁) + N(0, σ²I)``
  with plain SGD at a constant step. Privacy amplification by iteration bounds the
  Rényi divergence of every order α by ``αρ`` (``proofs/noisy_finetune_pabi.md``), and
  (ε, δ) follows from the Rényi conversion of the whole curve;
* :class:`NoisyFineTuneModelClipping`: the same step, then projection onto the ball of
  radius ``C₂``. The hockey-stick divergence contracts at every step
  (``proofs/noisy_finetune_model_clipping.md``);
* :class:`OutputPerturbation`: one Gaussian perturbation of the clipped model, the
  Gaussian mechanism with sensitivity ``2C₀`` calibrated exactly
  (``proofs/noisy_finetune_output_perturbation.md``), the natural baseline.

The bounds hold for any two starting laws in the ball. So a certificate covers a forget
set of any size at once. A later request restarts from the current model clipped into
the same ball, so it gets the same certificate against a model trained on the data
retained by then: certificates do not add up over requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import _validate
from ..bounds import Assumption, EpsilonDeltaCertificate, Provenance
from . import _noisy_accounting as accounting
from ._noisy_steps import clip_to_ball, fine_tune, gaussian_perturbation, noisy_clipped_steps
from .base import DeletionRequest, Unlearner, UnlearningOutcome
from .registry import MethodInfo, register
from .torch_models import DTYPE, TorchModel, mlp, train_classifier

ModuleFactory = Callable[..., nn.Module]


def default_module(n_features: int, n_classes: int, *, rng: np.random.Generator) -> nn.Module:
    """Return the default classifier: a ReLU network with one hidden layer of 64 units."""
    return mlp(n_features, n_classes, hidden=(64,), rng=rng)


@dataclass(frozen=True, eq=False)
class FineTuneState:
    """State kept by noisy fine-tuning between requests.

    Attributes:
        model: the current released model.
        X, y: the original training set; rows not in `remaining` were deleted.
        remaining: boolean mask of the rows still retained.
        n_classes: number of classes.
        requests: deletion requests served so far.
    """

    model: TorchModel
    X: np.ndarray
    y: np.ndarray
    remaining: np.ndarray
    n_classes: int
    requests: int


class _ClippedRestart(Unlearner):
    """Shared learning, reference and request handling; subclasses supply the noisy phase."""

    algorithm: str

    def __init__(
        self,
        *,
        epsilon: float,
        delta: float,
        module_factory: ModuleFactory,
        initial_clip_norm: float,
        finetune_epochs: int,
        finetune_learning_rate: float,
        train_epochs: int,
        train_learning_rate: float,
        train_batch_size: int,
        train_optimizer: str,
        train_momentum: float,
    ):
        self.epsilon = _validate.positive("epsilon", epsilon)
        self.delta = _validate.probability_open("delta", delta)
        if not callable(module_factory):
            raise _validate.fail(
                "module_factory", "a callable (n_features, n_classes, *, rng) -> torch.nn.Module", module_factory
            )
        self.module_factory = module_factory
        self.initial_clip_norm = _validate.positive("initial_clip_norm", initial_clip_norm)
        self.finetune_epochs = _validate.integer_at_least("finetune_epochs", finetune_epochs, 0)
        self.finetune_learning_rate = _validate.positive("finetune_learning_rate", finetune_learning_rate)
        self.train_epochs = _validate.integer_at_least("train_epochs", train_epochs, 0)
        self.train_learning_rate = _validate.positive("train_learning_rate", train_learning_rate)
        self.train_batch_size = _validate.integer_at_least("train_batch_size", train_batch_size, 1)
        self.train_optimizer = _validate.one_of("train_optimizer", train_optimizer, ("sgd", "adam"))
        self.train_momentum = _validate.in_interval("train_momentum", train_momentum, 0.0, 1.0, high_open=True)

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "epsilon": self.epsilon,
            "delta": self.delta,
            "module_factory": getattr(self.module_factory, "__name__", repr(self.module_factory)),
            "initial_clip_norm": self.initial_clip_norm,
            "finetune_epochs": self.finetune_epochs,
            "finetune_learning_rate": self.finetune_learning_rate,
            "train_epochs": self.train_epochs,
            "train_learning_rate": self.train_learning_rate,
            "train_batch_size": self.train_batch_size,
            "train_optimizer": self.train_optimizer,
            "train_momentum": self.train_momentum,
        }

    # -- A: learning ----------------------------------------------------------------------

    def fit(self, X: np.ndarray, y: np.ndarray, *, n_classes: int, rng: np.random.Generator) -> FineTuneState:
        module = self._build_module(X.shape[1], n_classes, rng)
        train_classifier(
            module,
            X,
            y,
            rng=rng,
            epochs=self.train_epochs,
            learning_rate=self.train_learning_rate,
            batch_size=self.train_batch_size,
            optimizer=self.train_optimizer,
            momentum=self.train_momentum,
        )
        return FineTuneState(
            model=TorchModel(module),
            X=np.asarray(X),
            y=np.asarray(y),
            remaining=np.ones(len(y), dtype=bool),
            n_classes=n_classes,
            requests=0,
        )

    def _build_module(self, n_features: int, n_classes: int, rng: np.random.Generator) -> nn.Module:
        module = self.module_factory(n_features, n_classes, rng=rng)
        if not isinstance(module, nn.Module):
            raise _validate.fail("module_factory", "a callable returning a torch.nn.Module", type(module).__name__)
        # Buffers (batch-norm statistics) are released with the model but are not
        # parameters: the noisy phase would not cover them, so they are rejected.
        buffers = [name for name, _ in module.named_buffers()]
        if buffers:
            raise _validate.fail("module_factory", "a module without buffers (no batch normalisation)", buffers[:3])
        return module.to(DTYPE)

    def model_of(self, state: FineTuneState) -> TorchModel:
        return state.model

    # -- R: reference -----------------------------------------------------------------------

    def reference(
        self, X_retain: np.ndarray, y_retain: np.ndarray, *, n_classes: int, rng: np.random.Generator
    ) -> TorchModel:
        """Train on the retained data, then clip, run the noisy phase and fine-tune as ``U`` does."""
        trained = self.fit(X_retain, y_retain, n_classes=n_classes, rng=rng)
        return self._release(trained.model, X_retain, y_retain, rng)

    # -- U: unlearning ----------------------------------------------------------------------

    def unlearn(self, state: FineTuneState, request: DeletionRequest, *, rng: np.random.Generator) -> UnlearningOutcome:
        forget = np.asarray(request.indices)
        if forget.min() < 0 or forget.max() >= len(state.remaining) or not np.all(state.remaining[forget]):
            raise _validate.fail("request", "positions of training points not yet deleted", request.indices[:5])
        remaining = state.remaining.copy()
        remaining[forget] = False
        if not remaining.any():
            raise _validate.fail("request", "a request that leaves at least one training point", len(forget))
        X_retain, y_retain = state.X[remaining], state.y[remaining]
        model = self._release(state.model, X_retain, y_retain, rng)
        new_state = replace(state, model=model, remaining=remaining, requests=state.requests + 1)
        details = {"removed": int(len(forget)), "retained": int(remaining.sum()), **self.schedule_details()}
        return UnlearningOutcome(
            model=model, state=new_state, certificate=self._certificate(new_state.requests), details=details
        )

    def _release(
        self, model: TorchModel, X_retain: np.ndarray, y_retain: np.ndarray, rng: np.random.Generator
    ) -> TorchModel:
        start = clip_to_ball(model.parameters(), self.initial_clip_norm)
        noisy = self._noisy_phase(model, start, X_retain, y_retain, rng)
        return fine_tune(
            model,
            noisy,
            X_retain,
            y_retain,
            rng=rng,
            epochs=self.finetune_epochs,
            learning_rate=self.finetune_learning_rate,
            batch_size=self.train_batch_size,
            optimizer=self.train_optimizer,
            momentum=self.train_momentum,
        )

    def _noisy_phase(
        self, model: TorchModel, start: torch.Tensor, X: np.ndarray, y: np.ndarray, rng: np.random.Generator
    ) -> torch.Tensor:
        raise NotImplementedError

    def schedule_details(self) -> dict[str, Any]:
        """Return the noise and step figures of the noisy phase."""
        raise NotImplementedError

    # -- certificate --------------------------------------------------------------------------

    def _shared_assumptions(self) -> tuple[Assumption, ...]:
        return (
            Assumption(
                name="common start ball",
                value=f"the noisy phases of U and R both start from parameters clipped to norm <= C0 = "
                f"{self.initial_clip_norm:g} around the origin",
                checked=True,
                detail="by construction; any learning algorithm and any earlier request are allowed",
            ),
            Assumption(
                name="retained data only",
                value="the noisy phase and the fine-tuning read only the retained data and fresh randomness",
                checked=True,
                detail="by construction; R applies the same steps to a model trained on the retained data",
            ),
            Assumption(
                name="parameters are the whole state",
                value="the module has no buffers, so its parameters determine the released model",
                checked=True,
                detail="modules with buffers are rejected",
            ),
            Assumption(
                name="exact arithmetic",
                value="clipping, the updates and the Gaussian noise are exact real operations",
                checked=False,
                detail="floating-point rounding (relative 1e-16 per operation; clipping keeps a relative margin "
                "of at least 1e-9) and pseudo-random Gaussian sampling are outside the proof",
            ),
        )

    def _certificate(self, requests: int) -> EpsilonDeltaCertificate:
        raise NotImplementedError


def _fresh_start_note() -> str:
    return (
        "holds for a forget set of any size and does not add up over requests: every request restarts from the "
        "current model clipped into the same ball, and the reference is the same mechanism on the data retained by then"
    )


def _validate_plain_sgd(optimizer: str, momentum: float) -> None:
    """Reject any noisy-phase optimizer but plain SGD: momentum or adaptive steps void the bound."""
    if optimizer != "sgd":
        raise _validate.fail(
            "optimizer", "'sgd' (the noisy-phase bound holds only for plain SGD with a constant step)", optimizer
        )
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float)) or momentum != 0:
        raise _validate.fail("momentum", "0 (the noisy-phase bound holds only for SGD without momentum)", momentum)


# -- gradient clipping: privacy amplification by iteration ---------------------------------


class NoisyFineTuneGradientClipping(_ClippedRestart):
    """Noisy fine-tuning with gradient clipping, certified by privacy amplification by iteration.

    Unlearning clips the model to norm ``C₀``, runs T steps of

        x ← (1 − ηλ) x − η clip(ḡ(x), C₁) + N(0, σ²I)

    on the retained data (``ḡ`` the mini-batch mean gradient, clipped as a whole), then
    fine-tunes without noise. For every order α > 1 and in both directions
    (Koloskova et al. 2025; ``proofs/noisy_finetune_pabi.md``)

        D_α(U ‖ R) ≤ αρ,   ρ = S²/(2σ²V),   S = 2C₀κ^T + 2ηC₁ Σ_{j<T} κ^j,   V = Σ_{j<T} κ^{2j},

    with ``κ = 1 − ηλ``. The curve ``αρ`` is converted to (ε, δ) over many orders
    (Canonne, Kamath and Steinke 2020). σ is either given or chosen within 5% of the
    least noise any number of steps allows; T is the least number of steps that meets
    the target at that σ.

    Args:
        epsilon, delta: target (ε, δ); ε > 0, δ in (0, 1).
        module_factory: ``factory(n_features, n_classes, *, rng) -> nn.Module`` mapping a
            float64 batch to logits; modules with buffers are rejected.
        initial_clip_norm: C₀ > 0.
        gradient_clip_norm: C₁ > 0, norm bound of the clipped mean gradient.
        learning_rate: η > 0, the constant step of the noisy phase.
        regularization: λ ≥ 0 of the decay term λx, with ηλ < 1.
        sigma: per-step noise σ > 0, or ``None`` to choose it.
        batch_size: mini-batch of the noisy phase, or ``None`` for the whole retained set.
        optimizer, momentum: of the noisy phase; only ``"sgd"`` with momentum 0 is accepted.
        max_steps: largest number of noisy steps allowed.
        finetune_epochs, finetune_learning_rate: noiseless fine-tuning after the noisy
            phase, with the training optimizer, momentum and batch size.
        train_epochs, train_learning_rate, train_batch_size, train_optimizer,
            train_momentum: learning (``A``), with ``"sgd"`` or ``"adam"``.
    """

    name = "noisy-finetune-gradient-clipping"
    guarantee = "certified"
    algorithm = "noisy fine-tuning with gradient clipping (Koloskova et al. 2025), privacy amplification by iteration"

    def __init__(
        self,
        *,
        epsilon: float = 1.0,
        delta: float = 1e-5,
        module_factory: ModuleFactory = default_module,
        initial_clip_norm: float = 1.0,
        gradient_clip_norm: float = 0.01,
        learning_rate: float = 0.1,
        regularization: float = 1.0,
        sigma: float | None = None,
        batch_size: int | None = None,
        optimizer: str = "sgd",
        momentum: float = 0.0,
        max_steps: int = 100_000,
        finetune_epochs: int = 10,
        finetune_learning_rate: float = 0.5,
        train_epochs: int = 30,
        train_learning_rate: float = 0.5,
        train_batch_size: int = 64,
        train_optimizer: str = "sgd",
        train_momentum: float = 0.0,
    ):
        super().__init__(
            epsilon=epsilon,
            delta=delta,
            module_factory=module_factory,
            initial_clip_norm=initial_clip_norm,
            finetune_epochs=finetune_epochs,
            finetune_learning_rate=finetune_learning_rate,
            train_epochs=train_epochs,
            train_learning_rate=train_learning_rate,
            train_batch_size=train_batch_size,
            train_optimizer=train_optimizer,
            train_momentum=train_momentum,
        )
        _validate_plain_sgd(optimizer, momentum)
        self.optimizer, self.momentum = optimizer, 0.0
        self.batch_size = None if batch_size is None else _validate.integer_at_least("batch_size", batch_size, 1)
        self.max_steps = _validate.integer_at_least("max_steps", max_steps, 1)
        self.shift = accounting.ShiftParameters(
            initial_clip_norm=self.initial_clip_norm,
            gradient_clip_norm=gradient_clip_norm,
            learning_rate=learning_rate,
            regularization=regularization,
        )
        self.schedule = accounting.pabi_schedule(
            epsilon=self.epsilon, delta=self.delta, parameters=self.shift, sigma=sigma, max_steps=self.max_steps
        )

    def hyperparameters(self) -> dict[str, Any]:
        return {
            **super().hyperparameters(),
            "gradient_clip_norm": self.shift.gradient_clip_norm,
            "learning_rate": self.shift.learning_rate,
            "regularization": self.shift.regularization,
            "batch_size": self.batch_size,
            "optimizer": self.optimizer,
            "momentum": self.momentum,
            "max_steps": self.max_steps,
            **self.schedule_details(),
        }

    def schedule_details(self) -> dict[str, Any]:
        return {
            "steps": self.schedule.steps,
            "sigma": self.schedule.sigma,
            "rho": self.schedule.rho,
            "rho_target": self.schedule.rho_target,
            "certified_epsilon": self.schedule.epsilon,
        }

    def _noisy_phase(self, model, start, X, y, rng):
        return noisy_clipped_steps(
            model,
            start,
            X,
            y,
            steps=self.schedule.steps,
            sigma=self.schedule.sigma,
            gradient_clip_norm=self.shift.gradient_clip_norm,
            learning_rate=self.shift.learning_rate,
            regularization=self.shift.regularization,
            batch_size=self.batch_size,
            projection_radius=None,
            rng=rng,
        )

    def _certificate(self, requests: int) -> EpsilonDeltaCertificate:
        schedule = self.schedule
        assumptions = self._shared_assumptions() + (
            Assumption(
                name="noisy phase",
                value=f"T = {schedule.steps} plain SGD steps, constant step eta = {self.shift.learning_rate:g}, "
                f"mean gradient clipped to C1 = {self.shift.gradient_clip_norm:g}, decay lambda = "
                f"{self.shift.regularization:g}, Gaussian noise sigma = {schedule.sigma:.6g} per coordinate",
                checked=True,
                detail="by construction; mini-batches are drawn independently of the parameters",
            ),
            Assumption(
                name="Renyi bound",
                value=f"D_alpha <= alpha * rho with rho = {schedule.rho:.6g} for every order alpha > 1, both "
                "directions (privacy amplification by iteration)",
                checked=True,
                detail="proved in proofs/noisy_finetune_pabi.md; converted to (epsilon, delta) over the whole "
                "curve alpha * rho (Canonne, Kamath and Steinke 2020)",
            ),
        )
        return EpsilonDeltaCertificate(
            epsilon=schedule.epsilon,
            delta=schedule.delta,
            provenance=Provenance(
                algorithm=self.algorithm,
                basis="worst-case",
                bound_name="Renyi slope rho (D_alpha <= alpha rho)",
                bound=schedule.rho,
                requests=requests,
                assumptions=assumptions,
                parameters=(
                    ("initial_clip_norm", self.initial_clip_norm),
                    ("gradient_clip_norm", self.shift.gradient_clip_norm),
                    ("learning_rate", self.shift.learning_rate),
                    ("regularization", self.shift.regularization),
                    ("steps", float(schedule.steps)),
                    ("sigma", schedule.sigma),
                    ("rho", schedule.rho),
                ),
                notes=(_fresh_start_note(),),
            ),
        )


# -- model clipping: contraction of the hockey-stick divergence -------------------------------


class NoisyFineTuneModelClipping(_ClippedRestart):
    """Noisy fine-tuning with model clipping, certified by contraction of the hockey-stick divergence.

    Unlearning clips the model to norm ``C₀``, runs T steps of

        x ← Π_{C₂}((1 − ηλ) x − η clip(ḡ(x), C₁) + N(0, σ²I))

    on the retained data (noise first, then projection onto the ball of radius C₂), then
    fine-tunes without noise. With ``E_γ`` the hockey-stick divergence at ``γ = e^ε``,
    ``δ_0 = 1`` and

        δ_{t+1} = δ_t · θ_{ε̃_t}((κD_t + 2ηC₁)/σ),   ε̃_t = log(1 + (e^ε − 1)/δ_t),

    where ``θ`` is the Gaussian privacy profile and ``D_0 = 2C₀``, ``D_t = 2C₂`` the
    diameters of the inputs, ``E_γ(U‖R) ≤ δ_T`` in both directions (Koloskova et al.
    2025, after the contraction argument of Asoodeh et al.;
    ``proofs/noisy_finetune_model_clipping.md``). T is the least number of steps with
    ``δ_T ≤ δ``, and the certificate is ``(ε, δ_T)``.

    Args:
        projection_radius: C₂ > 0.
        sigma: per-step noise σ > 0.
        Others as :class:`NoisyFineTuneGradientClipping`.
    """

    name = "noisy-finetune-model-clipping"
    guarantee = "certified"
    algorithm = "noisy fine-tuning with model clipping (Koloskova et al. 2025), hockey-stick contraction"

    def __init__(
        self,
        *,
        epsilon: float = 1.0,
        delta: float = 1e-5,
        module_factory: ModuleFactory = default_module,
        initial_clip_norm: float = 10.0,
        projection_radius: float = 10.0,
        gradient_clip_norm: float = 0.01,
        learning_rate: float = 0.1,
        regularization: float = 0.0,
        sigma: float = 20.0,
        batch_size: int | None = None,
        optimizer: str = "sgd",
        momentum: float = 0.0,
        max_steps: int = 10_000,
        finetune_epochs: int = 10,
        finetune_learning_rate: float = 0.5,
        train_epochs: int = 30,
        train_learning_rate: float = 0.5,
        train_batch_size: int = 64,
        train_optimizer: str = "sgd",
        train_momentum: float = 0.0,
    ):
        super().__init__(
            epsilon=epsilon,
            delta=delta,
            module_factory=module_factory,
            initial_clip_norm=initial_clip_norm,
            finetune_epochs=finetune_epochs,
            finetune_learning_rate=finetune_learning_rate,
            train_epochs=train_epochs,
            train_learning_rate=train_learning_rate,
            train_batch_size=train_batch_size,
            train_optimizer=train_optimizer,
            train_momentum=train_momentum,
        )
        _validate_plain_sgd(optimizer, momentum)
        self.optimizer, self.momentum = optimizer, 0.0
        self.batch_size = None if batch_size is None else _validate.integer_at_least("batch_size", batch_size, 1)
        self.max_steps = _validate.integer_at_least("max_steps", max_steps, 1)
        self.projection = accounting.ProjectionParameters(
            initial_clip_norm=self.initial_clip_norm,
            projection_radius=projection_radius,
            gradient_clip_norm=gradient_clip_norm,
            learning_rate=learning_rate,
            regularization=regularization,
            sigma=sigma,
        )
        self.schedule = accounting.contraction_schedule(
            epsilon=self.epsilon, delta=self.delta, parameters=self.projection, max_steps=self.max_steps
        )

    def hyperparameters(self) -> dict[str, Any]:
        return {
            **super().hyperparameters(),
            "projection_radius": self.projection.projection_radius,
            "gradient_clip_norm": self.projection.gradient_clip_norm,
            "learning_rate": self.projection.learning_rate,
            "regularization": self.projection.regularization,
            "batch_size": self.batch_size,
            "optimizer": self.optimizer,
            "momentum": self.momentum,
            "max_steps": self.max_steps,
            **self.schedule_details(),
        }

    def schedule_details(self) -> dict[str, Any]:
        return {
            "steps": self.schedule.steps,
            "sigma": self.projection.sigma,
            "certified_delta": self.schedule.delta,
        }

    def _noisy_phase(self, model, start, X, y, rng):
        return noisy_clipped_steps(
            model,
            start,
            X,
            y,
            steps=self.schedule.steps,
            sigma=self.projection.sigma,
            gradient_clip_norm=self.projection.gradient_clip_norm,
            learning_rate=self.projection.learning_rate,
            regularization=self.projection.regularization,
            batch_size=self.batch_size,
            projection_radius=self.projection.projection_radius,
            rng=rng,
        )

    def _certificate(self, requests: int) -> EpsilonDeltaCertificate:
        schedule = self.schedule
        projection = self.projection
        assumptions = self._shared_assumptions() + (
            Assumption(
                name="noisy phase",
                value=f"T = {schedule.steps} plain SGD steps, constant step eta = {projection.learning_rate:g}, "
                f"mean gradient clipped to C1 = {projection.gradient_clip_norm:g}, decay lambda = "
                f"{projection.regularization:g}, Gaussian noise sigma = {projection.sigma:g}, then projection onto "
                f"the ball of radius C2 = {projection.projection_radius:g}",
                checked=True,
                detail="by construction; mini-batches are drawn independently of the parameters",
            ),
            Assumption(
                name="hockey-stick contraction",
                value=f"E_gamma <= delta_T = {schedule.delta:.4g} at gamma = e^epsilon, both directions, by the "
                "running-delta recursion",
                checked=True,
                detail="proved in proofs/noisy_finetune_model_clipping.md",
            ),
        )
        return EpsilonDeltaCertificate(
            epsilon=schedule.epsilon,
            delta=schedule.delta,
            provenance=Provenance(
                algorithm=self.algorithm,
                basis="worst-case",
                bound_name="hockey-stick divergence after T steps",
                bound=schedule.delta,
                requests=requests,
                assumptions=assumptions,
                parameters=(
                    ("initial_clip_norm", self.initial_clip_norm),
                    ("projection_radius", projection.projection_radius),
                    ("gradient_clip_norm", projection.gradient_clip_norm),
                    ("learning_rate", projection.learning_rate),
                    ("regularization", projection.regularization),
                    ("steps", float(schedule.steps)),
                    ("sigma", projection.sigma),
                ),
                notes=(_fresh_start_note(),),
            ),
        )


# -- output perturbation ------------------------------------------------------------------------


class OutputPerturbation(_ClippedRestart):
    """Output perturbation: clip to ``C₀``, add ``N(0, σ²I)`` once, then fine-tune without noise.

    The Gaussian mechanism on the ball of radius C₀: any two clipped models are at
    distance at most ``2C₀``, so σ from the analytic Gaussian mechanism (Balle and Wang
    2018) with sensitivity ``2C₀`` gives (ε, δ) in both directions, for every ε > 0
    (``proofs/noisy_finetune_output_perturbation.md``). The classical rule
    ``σ = 2C₀ sqrt(2 ln(1.25/δ))/ε`` is not used: it is proved only for ε < 1.

    Args:
        initial_clip_norm: C₀ > 0.
        Others as :class:`NoisyFineTuneGradientClipping`.
    """

    name = "output-perturbation"
    guarantee = "certified"
    algorithm = "output perturbation of the clipped model (Gaussian mechanism, sensitivity 2 C0)"

    def __init__(
        self,
        *,
        epsilon: float = 1.0,
        delta: float = 1e-5,
        module_factory: ModuleFactory = default_module,
        initial_clip_norm: float = 0.01,
        finetune_epochs: int = 10,
        finetune_learning_rate: float = 0.5,
        train_epochs: int = 30,
        train_learning_rate: float = 0.5,
        train_batch_size: int = 64,
        train_optimizer: str = "sgd",
        train_momentum: float = 0.0,
    ):
        super().__init__(
            epsilon=epsilon,
            delta=delta,
            module_factory=module_factory,
            initial_clip_norm=initial_clip_norm,
            finetune_epochs=finetune_epochs,
            finetune_learning_rate=finetune_learning_rate,
            train_epochs=train_epochs,
            train_learning_rate=train_learning_rate,
            train_batch_size=train_batch_size,
            train_optimizer=train_optimizer,
            train_momentum=train_momentum,
        )
        self.sigma = accounting.output_perturbation_sigma(
            epsilon=self.epsilon, delta=self.delta, initial_clip_norm=self.initial_clip_norm
        )

    def hyperparameters(self) -> dict[str, Any]:
        return {**super().hyperparameters(), **self.schedule_details()}

    def schedule_details(self) -> dict[str, Any]:
        return {"sigma": self.sigma, "sensitivity": 2.0 * self.initial_clip_norm}

    def _noisy_phase(self, model, start, X, y, rng):
        return gaussian_perturbation(start, sigma=self.sigma, rng=rng)

    def _certificate(self, requests: int) -> EpsilonDeltaCertificate:
        assumptions = self._shared_assumptions() + (
            Assumption(
                name="Gaussian mechanism",
                value=f"noise sigma = {self.sigma:.6g} per coordinate on a vector of norm <= C0 = "
                f"{self.initial_clip_norm:g}, sensitivity 2 C0",
                checked=True,
                detail="analytic Gaussian calibration (Balle and Wang 2018); proved in "
                "proofs/noisy_finetune_output_perturbation.md",
            ),
        )
        return EpsilonDeltaCertificate(
            epsilon=self.epsilon,
            delta=self.delta,
            provenance=Provenance(
                algorithm=self.algorithm,
                basis="worst-case",
                bound_name="sensitivity (diameter of the clipping ball)",
                bound=2.0 * self.initial_clip_norm,
                requests=requests,
                assumptions=assumptions,
                parameters=(("initial_clip_norm", self.initial_clip_norm), ("sigma", self.sigma)),
                notes=(_fresh_start_note(),),
            ),
        )


# -- registry -------------------------------------------------------------------------------------


def _build_gradient_clipping(*, epsilon: float, delta: float, **hyperparameters: Any) -> Unlearner:
    return NoisyFineTuneGradientClipping(epsilon=epsilon, delta=delta, **hyperparameters)


def _build_model_clipping(*, epsilon: float, delta: float, **hyperparameters: Any) -> Unlearner:
    return NoisyFineTuneModelClipping(epsilon=epsilon, delta=delta, **hyperparameters)


def _build_output_perturbation(*, epsilon: float, delta: float, **hyperparameters: Any) -> Unlearner:
    return OutputPerturbation(epsilon=epsilon, delta=delta, **hyperparameters)


_SHARED_ASSUMPTIONS = (
    "any torch classifier without buffers; learning is not part of the guarantee; the noisy phase starts from the "
    "model clipped to norm C0 and reads only the retained data"
)
_SHARED_COST = (
    "stores the model and the training set; per request: {noisy}, then fine-tuning epochs on the retained data; "
    "the certificate does not degrade over requests"
)

register(
    MethodInfo(
        name=NoisyFineTuneGradientClipping.name,
        guarantee="certified",
        summary="clip, noisy clipped-gradient SGD, fine-tune; privacy amplification by iteration "
        "(Koloskova et al. 2025)",
        assumptions=_SHARED_ASSUMPTIONS + "; plain SGD with a constant step in the noisy phase",
        cost=_SHARED_COST.format(noisy="T full-batch noisy gradient steps"),
        model="any torch.nn.Module classifier",
        build=_build_gradient_clipping,
    )
)
register(
    MethodInfo(
        name=NoisyFineTuneModelClipping.name,
        guarantee="certified",
        summary="clip, noisy SGD projected onto a ball, fine-tune; hockey-stick contraction (Koloskova et al. 2025)",
        assumptions=_SHARED_ASSUMPTIONS + "; plain SGD with a constant step and projection onto radius C2",
        cost=_SHARED_COST.format(noisy="T full-batch noisy projected gradient steps"),
        model="any torch.nn.Module classifier",
        build=_build_model_clipping,
    )
)
register(
    MethodInfo(
        name=OutputPerturbation.name,
        guarantee="certified",
        summary="clip to norm C0, add Gaussian noise calibrated to sensitivity 2 C0, fine-tune (baseline of "
        "Koloskova et al. 2025)",
        assumptions=_SHARED_ASSUMPTIONS,
        cost=_SHARED_COST.format(noisy="one Gaussian draw"),
        model="any torch.nn.Module classifier",
        build=_build_output_perturbation,
    )
)
