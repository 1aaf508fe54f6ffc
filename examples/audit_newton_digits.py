"""Audit certified Newton removal on the digits data from Python, step by step.

Runs in about a minute on two CPU cores:

    python examples/audit_newton_digits.py
"""

import numpy as np

from certunlearn.engine import DeletionRequest, load_dataset
from certunlearn.engine.newton import CertifiedNewtonRemoval
from certunlearn.verifier import AuditSettings, render_text, result_record, run_audit


def main() -> None:
    dataset = load_dataset("digits")
    method = CertifiedNewtonRemoval(epsilon=1.0, delta=1e-5, regularization=1e-2, sigma=1.0)

    # Forget every training image of the digit 3.
    forget = np.flatnonzero(dataset.y_train == dataset.class_index(3))
    request = DeletionRequest(tuple(forget.tolist()), kind="class", label=dataset.class_index(3))

    result = run_audit(dataset, method, request, AuditSettings(seeds=50, seed=0))
    record = result_record(result)
    print(render_text(record))
    print("retrained runs (budget spent):", record["retrained_runs"])


# The audit runs seeds in worker processes started with "spawn", which re-import this
# file; the guard keeps them from starting audits of their own.
if __name__ == "__main__":
    main()
