"""Engine: unlearning algorithms on data and models, each issuing a certificate or none."""

from .base import DeletionRequest, Model, Unlearner, UnlearningOutcome
from .data import Dataset, load_dataset
from .registry import MethodInfo, build, get, methods

__all__ = [
    "Dataset",
    "DeletionRequest",
    "MethodInfo",
    "Model",
    "Unlearner",
    "UnlearningOutcome",
    "build",
    "get",
    "load_dataset",
    "methods",
]
