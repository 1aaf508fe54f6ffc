"""certunlearn: certified machine unlearning, its depth guarantees and their verification.

Three layers, each usable on its own:

* :mod:`certunlearn.bounds`: certificates, transfer functions, depth guarantees and
  noise calibration (numpy and scipy only);
* :mod:`certunlearn.engine`: unlearning algorithms that issue certificates;
* :mod:`certunlearn.verifier`: repeated runs, depth probes and the statistical check of
  the results against the bounds.
"""

__version__ = "0.1.0"
