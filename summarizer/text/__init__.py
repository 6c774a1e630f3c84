"""The text stages, in order: read and ingest (bytes -> text), bounded parsing, clean (cruft
masked with offsets kept), sections (reports and their section tree), chunks and tokens (the
request budget), meta (titles, years, organisation). No model is called here."""
