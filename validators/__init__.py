"""Validators: turn extracted records into checks, discrepancies and the verdict."""

from omreview.validators.evaluate import Evaluation, evaluate

__all__ = ["Evaluation", "evaluate"]
