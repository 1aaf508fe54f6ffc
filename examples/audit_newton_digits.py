"""Audit certified Newton removal on the digits data from Python, step by step.

The forget set is 1% of the training rows, chosen at random. Deleting a whole class
instead would exceed Newton removal's residual budget at the default noise, so every run
would retrain from scratch and the audit would compare retraining with retraining. For
class-wise audits use, for example, ``sekhari`` with ``regularization=0.1`` or the
noisy fine-tuning methods. Runs in about a minute on two CPU cores:

    python examples/audit_newton_digits.py
"""

import numpy as np

from certunlearn.engine import DeletionRequest, load_dataset
from certunlearn.engine.newton import CertifiedNewtonRemoval
from certunlearn.verifier import AuditSettings, render_text, result_record, run_audit


def main() -> None:
    dataset = load_dataset("digits")
    method = CertifiedNewtonRemoval(epsilon=1.0, delta=1e-5, regularization=1e-2, sigma=1.0)

    rng = np.random.default_rng(0)
    forget = np.sort(rng.choice(len(dataset.y_train), size=13, replace=False))
    request = DeletionRequest(tuple(forget.tolist()))

    result = run_audit(dataset, method, request, AuditSettings(seeds=50, seed=0))
    record = result_record(result)
    print(render_text(record))
    print("runs that retrained because the budget was spent:", record["retrained_runs"])
    print("share of the residual budget one request used:", record["unlearning_details"]["budget_fraction_spent"])


# The audit runs seeds in worker processes started with "spawn", which re-import this
# file; the guard keeps them from starting audits of their own.
if __name__ == "__main__":
    main()
