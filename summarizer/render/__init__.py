"""Renderers: a SummaryDocument in, text out (rich, json, markdown, html)."""
