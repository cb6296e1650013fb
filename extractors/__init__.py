"""Extractors: one module per document kind, each reading one file into a typed record.

Extractors parse, they never judge. ``read_document`` is the single entry point the pipeline
calls; a file that cannot be read becomes an ``Extraction`` with an error, never an exception.
"""

from omreview.extractors.contract import Extraction
from omreview.extractors.registry import read_document

__all__ = ["Extraction", "read_document"]
