"""summarizer: faithful, source-grounded summaries of Chinese development-zone work reports."""

from __future__ import annotations

__version__ = "0.1.0"
