"""Dataset loaders: bundled data, users' files, the norm bound, and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from certunlearn._validate import InvalidArgumentError
from certunlearn.engine import load_dataset


@pytest.mark.parametrize(("name", "n_classes", "n_features"), [("digits", 10, 65), ("breast_cancer", 2, 31)])
def test_bundled_datasets(name, n_classes, n_features):
    dataset = load_dataset(name)
    assert dataset.n_classes == n_classes
    assert dataset.n_features == n_features
    assert np.linalg.norm(dataset.X_train, axis=1).max() <= 1.0
    assert np.linalg.norm(dataset.X_test, axis=1).max() <= 1.0
    assert dataset.feature_norm_bound <= 1.0
    assert set(np.unique(dataset.y_train)) == set(range(n_classes))
    assert len(dataset.preprocessing) == 3


def test_split_is_reproducible_and_seeded():
    first, second = load_dataset("digits", seed=3), load_dataset("digits", seed=3)
    other = load_dataset("digits", seed=4)
    assert np.array_equal(first.X_train, second.X_train)
    assert not np.array_equal(first.X_train, other.X_train)


def test_scaling_uses_training_statistics_only(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] > 0).astype(int)
    X[:, 3] = 7.0  # a constant feature must not divide by zero
    path = tmp_path / "data.npz"
    np.savez(path, X=X, y=y)
    dataset = load_dataset(str(path))
    assert np.all(np.isfinite(dataset.X_train))
    assert "constant" in dataset.preprocessing[0]


def test_csv_with_named_label_column(tmp_path):
    path = tmp_path / "data.csv"
    rows = ["f1,f2,label"] + [f"{i * 0.1},{(i % 7) * 1.5},{'cat' if i % 2 else 'dog'}" for i in range(40)]
    path.write_text("\n".join(rows) + "\n")
    dataset = load_dataset(str(path))
    assert dataset.classes == ("cat", "dog")
    assert dataset.n_features == 3


def test_csv_label_column_option_and_numeric_labels(tmp_path):
    path = tmp_path / "data.csv"
    rows = ["outcome,a,b"] + [f"{i % 3},{i},{i * i % 5}" for i in range(60)]
    path.write_text("\n".join(rows) + "\n")
    dataset = load_dataset(str(path), label_column="outcome")
    assert dataset.classes == (0, 1, 2)
    with pytest.raises(InvalidArgumentError, match="^label_column must be a column"):
        load_dataset(str(path), label_column="missing")


@pytest.mark.parametrize(
    "source",
    ["mnist", "/nonexistent/file.npz", "data.txt"],
)
def test_unknown_or_missing_dataset(source):
    with pytest.raises(InvalidArgumentError, match="^dataset must be 'digits', 'breast_cancer', or a path"):
        load_dataset(source)


def test_npz_without_required_arrays(tmp_path):
    path = tmp_path / "bad.npz"
    np.savez(path, features=np.zeros((3, 2)))
    with pytest.raises(InvalidArgumentError, match="arrays 'X' and 'y'"):
        load_dataset(str(path))


def test_single_class_is_rejected(tmp_path):
    path = tmp_path / "one.npz"
    np.savez(path, X=np.random.default_rng(0).normal(size=(20, 3)), y=np.zeros(20))
    with pytest.raises(InvalidArgumentError, match="at least two classes"):
        load_dataset(str(path))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(InvalidArgumentError, match=r"file not found"):
        load_dataset(str(tmp_path / "absent.csv"))


@pytest.mark.parametrize("content", [b"a,b,label\n1,2,0\n", np.lib.format.MAGIC_PREFIX + b"not an archive"])
def test_unreadable_npz_is_rejected(tmp_path, content):
    path = tmp_path / "broken.npz"
    path.write_bytes(content)
    with pytest.raises(InvalidArgumentError, match=r"^dataset must be an \.npz archive written by numpy\.savez"):
        load_dataset(str(path))


def test_npy_file_named_npz_is_rejected(tmp_path):
    path = tmp_path / "array.npz"
    with path.open("wb") as handle:
        np.save(handle, np.zeros((12, 2)))
    with pytest.raises(InvalidArgumentError, match=r"\.npz archive"):
        load_dataset(str(path))


def test_too_few_rows_rejected(tmp_path):
    path = tmp_path / "tiny.npz"
    np.savez(path, X=np.arange(18.0).reshape(9, 2), y=np.arange(9) % 2)
    with pytest.raises(InvalidArgumentError, match=r"at least 10 rows, got '.*tiny\.npz \(9 rows\)'"):
        load_dataset(str(path))


def test_ten_rows_accepted(tmp_path):
    path = tmp_path / "ten.npz"
    np.savez(path, X=np.random.default_rng(0).normal(size=(10, 2)), y=np.arange(10) % 2)
    dataset = load_dataset(str(path))
    assert len(dataset.y_train) + len(dataset.y_test) == 10
    assert len(np.unique(dataset.y_train)) == 2


def test_training_split_needs_two_classes(tmp_path):
    """One row of class 1 among ten: the seeds that put it in the test split are rejected."""
    path = tmp_path / "rare.npz"
    np.savez(path, X=np.random.default_rng(0).normal(size=(10, 2)), y=np.array([1] + [0] * 9))
    rejected = 0
    for seed in range(20):
        try:
            dataset = load_dataset(str(path), seed=seed)
        except InvalidArgumentError as error:
            assert "training split contains at least two classes" in str(error)
            rejected += 1
        else:
            assert set(dataset.y_train.tolist()) == {0, 1}
    assert 0 < rejected < 20


def test_class_index_lookup():
    dataset = load_dataset("digits")
    assert dataset.class_index("3") == 3
    assert dataset.class_index(3) == 3
    with pytest.raises(InvalidArgumentError, match="^forget class must be one of the dataset's classes"):
        dataset.class_index("11")


def test_class_subset_for_binary_tasks():
    dataset = load_dataset("digits", classes=(3, 8))
    assert dataset.classes == (3, 8)
    assert dataset.n_classes == 2
    assert "classes 3, 8" in dataset.name
    with pytest.raises(InvalidArgumentError, match="^classes must be at least two distinct labels"):
        load_dataset("digits", classes=(3,))
    with pytest.raises(InvalidArgumentError, match="^classes must be"):
        load_dataset("digits", classes=(3, 12))
