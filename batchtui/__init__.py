"""batchtui: a terminal dashboard and toolkit for Anthropic's Message Batches API."""

__version__ = "0.1.0"
