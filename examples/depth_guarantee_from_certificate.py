"""From a certificate to depth guarantees, without running any model.

python examples/depth_guarantee_from_certificate.py
"""

import numpy as np

from certunlearn import bounds


def main() -> None:
    # Three deletion requests, each (ε = 0.5, δ = 1e-6)-certified, compose to (1.5, 3e-6).
    per_request = bounds.EpsilonDeltaCertificate(epsilon=0.5, delta=1e-6)
    certificate = bounds.self_compose(per_request, 3)
    print(certificate.statement())

    # Theorem 1: if a retrained model is recovered within budget r with probability p,
    # the unlearned model is recovered within r with probability at most h(p).
    for p in (0.001, 0.01, 0.1):
        print(f"P(reference depth <= r) = {p:<6} => P(unlearned depth <= r) <= {certificate.transfer(p):.4f}")

    # Quantile form: with probability 0.95, the unlearned depth is at least the
    # reference depth's p-quantile for p = h^{-1}(0.05).
    level = bounds.depth_quantile_level(certificate, 0.05)
    print(f"with probability 0.95 the unlearned depth exceeds the reference's {level:.4f}-quantile")

    # The same for a Gaussian-DP certificate, and noise calibration in both directions.
    gdp = bounds.GaussianDPCertificate(mu=0.5)
    print("GDP bound at p = 0.01:", float(gdp.transfer(0.01)))
    sigma = bounds.calibrate_analytic_gaussian(epsilon=1.0, delta=1e-5, sensitivity=np.array([0.1, 1.0]))
    print("sigma for sensitivity 0.1 and 1:", sigma)
    print("epsilon back from sigma:", bounds.gaussian_epsilon(sigma=sigma, delta=1e-5, sensitivity=[0.1, 1.0]))


if __name__ == "__main__":
    main()
