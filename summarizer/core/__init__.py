"""The foundations every stage stands on: errors, the output schema, the analysed document,
the vocabulary of kinds and labels, settings, and the small support pieces (atomic writes,
secret scrubbing, progress and activity reporting). Nothing here imports another package of
ours, so any stage may import it."""
