"""The genre's words as readable tables: numerals and units, section-heading rules, topics,
the figure parser. Imports only `summarizer.core`."""
