"""After extraction: ground (quotes and figures located in the source text) and merge
(grounded findings -> one ReportSummary per report)."""
