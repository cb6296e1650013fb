"""omreview pipeline: model, packet loading, report, rules and CLI."""

__version__ = "0.1.0"
