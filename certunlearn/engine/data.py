"""Datasets with the scaling the certified algorithms assume.

Every loader returns a :class:`Dataset` whose feature rows satisfy ``||x||_2 ≤ 1``,
the norm bound of the convex certified algorithms (Guo et al. 2020; Chien et al. 2024;
Neel et al. 2021). The scaling is fitted on the training split only, and the steps
taken are recorded in :attr:`Dataset.preprocessing` so that reports can state them.

Sources:

* ``"digits"``: scikit-learn's bundled 8×8 handwritten digits (1,797 images, 10 classes);
* ``"breast_cancer"``: scikit-learn's bundled Wisconsin breast cancer data (569 rows,
  30 features, 2 classes);
* a path to a ``.npz`` file with arrays ``X`` (n × d) and ``y`` (n), or to a ``.csv`` file
  with a header row and a label column.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import _validate

BUNDLED = ("digits", "breast_cancer")
_LABEL_COLUMN_NAMES = ("label", "y", "target", "class")
#: Minimum number of rows in a data set. With fewer, a split or a deletion can leave a
#: training set of one row or one class, and the methods' optimisers fail on it.
MIN_ROWS = 10


@dataclass(frozen=True, eq=False)
class Dataset:
    """A train/test split with integer labels ``0..K-1`` and unit-norm feature rows.

    Attributes:
        name: the dataset name or file path it was loaded from.
        X_train, y_train, X_test, y_test: float64 features and int64 labels.
        classes: the original label values, indexed by the integer labels.
        preprocessing: the scaling steps, in order, as sentences.
        feature_norm_bound: the largest row norm after scaling (at most 1).
        split_seed: the seed of the train/test split.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: tuple
    preprocessing: tuple[str, ...]
    feature_norm_bound: float
    split_seed: int

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def class_index(self, label) -> int:
        """Return the integer label of an original class value (given as text or number)."""
        for index, value in enumerate(self.classes):
            if str(value) == str(label):
                return index
        listed = ", ".join(str(value) for value in self.classes)
        raise _validate.fail("forget class", f"one of the dataset's classes ({listed})", label)

    def summary(self) -> dict:
        return {
            "name": self.name,
            "n_train": int(len(self.y_train)),
            "n_test": int(len(self.y_test)),
            "n_features": self.n_features,
            "n_classes": self.n_classes,
            "classes": [str(value) for value in self.classes],
            "preprocessing": list(self.preprocessing),
            "feature_norm_bound": self.feature_norm_bound,
            "split_seed": self.split_seed,
        }


def load_dataset(
    source: str,
    *,
    test_fraction: float = 0.3,
    seed: int = 0,
    label_column: str | None = None,
    classes: Sequence | None = None,
) -> Dataset:
    """Load a bundled dataset or a user's file, split it, and scale it.

    Args:
        source: ``"digits"``, ``"breast_cancer"``, or a path to a ``.npz`` or ``.csv`` file.
        test_fraction: share of rows held out for testing, in (0, 0.9].
        seed: seed of the stratified train/test split.
        label_column: CSV only: the label column; by default the first of ``label``,
            ``y``, ``target``, ``class`` present, else the last column.
        classes: keep only rows with these labels (compared as text), e.g. ``(3, 8)``
            for the digits 3-vs-8 task; at least two.

    Returns:
        The scaled :class:`Dataset`.
    """
    test_fraction = _validate.in_interval("test_fraction", test_fraction, 0.0, 0.9, low_open=True)
    seed = _validate.integer_at_least("seed", seed, 0)
    features, labels = _read(source, label_column)
    name = str(source)
    if classes is not None:
        wanted = [str(label) for label in classes]
        present = {str(label) for label in np.unique(labels)}
        missing = [label for label in wanted if label not in present]
        if len(set(wanted)) < 2 or missing:
            raise _validate.fail(
                "classes", f"at least two distinct labels of the dataset ({', '.join(sorted(present))})", list(classes)
            )
        keep = np.isin(labels.astype(str), wanted)
        features, labels = features[keep], labels[keep]
        name = f"{source} (classes {', '.join(wanted)})"
    return _prepare(name, features, labels, test_fraction=test_fraction, seed=seed)


def _read(source: str, label_column: str | None) -> tuple[np.ndarray, np.ndarray]:
    allowed = "'digits', 'breast_cancer', or a path to an existing .npz or .csv file"
    if source in BUNDLED:
        from sklearn import datasets

        loader = datasets.load_digits if source == "digits" else datasets.load_breast_cancer
        features, labels = loader(return_X_y=True)
        return np.asarray(features, dtype=float), np.asarray(labels)
    path = Path(source)
    if path.suffix.lower() not in (".npz", ".csv"):
        raise _validate.fail("dataset", allowed, source)
    if not path.is_file():
        raise _validate.fail("dataset", allowed, f"{source} (file not found)")
    if path.suffix.lower() == ".npz":
        return _read_npz(path)
    return _read_csv(path, label_column)


def _read_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        # NumPy blames pickled data for any file that is not an archive, so name the file instead.
        archive = None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise _validate.fail("dataset", "an .npz archive written by numpy.savez, with arrays 'X' and 'y'", str(path))
    with archive:
        missing = [key for key in ("X", "y") if key not in archive.files]
        if missing:
            raise _validate.fail("dataset", "an .npz file with arrays 'X' and 'y'", f"{path} (missing {missing})")
        features, labels = archive["X"], archive["y"]
    if features.ndim != 2 or labels.ndim != 1 or len(features) != len(labels):
        raise _validate.fail(
            "dataset",
            "an .npz file with X of shape (n, d) and y of shape (n,)",
            f"{path} {features.shape} {labels.shape}",
        )
    try:
        features = features.astype(float)
    except ValueError:
        raise _validate.fail("dataset", "an .npz file with numeric X", str(path)) from None
    return features, labels


def _read_csv(path: Path, label_column: str | None) -> tuple[np.ndarray, np.ndarray]:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    rows = [row for row in rows if row and any(cell.strip() for cell in row)]
    if len(rows) < 2:
        raise _validate.fail("dataset", "a CSV file with a header row and at least one data row", str(path))
    header = [name.strip() for name in rows[0]]
    if label_column is not None:
        if label_column not in header:
            raise _validate.fail("label_column", f"a column of {path.name} ({', '.join(header)})", label_column)
        label_index = header.index(label_column)
    else:
        lowered = [name.lower() for name in header]
        candidates = [lowered.index(name) for name in _LABEL_COLUMN_NAMES if name in lowered]
        label_index = candidates[0] if candidates else len(header) - 1
    body = rows[1:]
    if any(len(row) != len(header) for row in body):
        raise _validate.fail("dataset", f"a CSV file whose rows all have {len(header)} fields", str(path))
    labels = np.array([row[label_index].strip() for row in body])
    try:
        features = np.array(
            [[float(cell) for position, cell in enumerate(row) if position != label_index] for row in body]
        )
    except ValueError as error:
        raise _validate.fail("dataset", "a CSV file with numeric feature columns", f"{path} ({error})") from None
    # Numeric labels sort numerically, not as text.
    try:
        labels = labels.astype(float)
        if np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
    except ValueError:
        pass
    return features, labels


def _prepare(name: str, features: np.ndarray, labels: np.ndarray, *, test_fraction: float, seed: int) -> Dataset:
    from sklearn.model_selection import train_test_split

    if not np.all(np.isfinite(features)):
        raise _validate.fail("dataset", "features without NaN or infinite values", name)
    if len(labels) < MIN_ROWS:
        raise _validate.fail("dataset", f"a data set with at least {MIN_ROWS} rows", f"{name} ({len(labels)} rows)")
    classes, encoded = np.unique(labels, return_inverse=True)
    if len(classes) < 2:
        raise _validate.fail("dataset", "labels with at least two classes", f"{name} ({len(classes)} class)")
    counts = np.bincount(encoded)
    stratify = encoded if counts.min() >= 2 else None
    indices = np.arange(len(encoded))
    train, test = train_test_split(indices, test_size=test_fraction, random_state=seed, stratify=stratify)
    train.sort()
    test.sort()
    if len(np.unique(encoded[train])) < 2:
        raise _validate.fail(
            "dataset",
            "a data set whose training split contains at least two classes",
            f"{name} (one class after split)",
        )

    mean = features[train].mean(axis=0)
    scale = features[train].std(axis=0)
    constant = scale == 0
    scale[constant] = 1.0

    def transform(rows: np.ndarray) -> np.ndarray:
        standardised = (rows - mean) / scale
        with_intercept = np.hstack([standardised, np.ones((len(rows), 1))])
        norms = np.linalg.norm(with_intercept, axis=1, keepdims=True)
        # The intercept column makes every norm at least 1, so the division is safe; the
        # factor below 1 keeps the rounded norms at most 1.
        return with_intercept / (norms * (1.0 + 1e-12))

    X_train, X_test = transform(features[train]), transform(features[test])
    bound = float(np.linalg.norm(X_train, axis=1).max())
    steps = (
        f"standardised each of the {features.shape[1]} features with the training mean and standard deviation"
        + (f" ({int(constant.sum())} constant features left centred only)" if constant.any() else ""),
        "appended a constant feature 1 for the intercept",
        "divided each row by its l2 norm, so that every row has norm at most 1",
    )
    return Dataset(
        name=name,
        X_train=X_train,
        y_train=encoded[train].astype(np.int64),
        X_test=X_test,
        y_test=encoded[test].astype(np.int64),
        classes=tuple(classes.tolist()),
        preprocessing=steps,
        feature_norm_bound=bound,
        split_seed=seed,
    )
