"""Format readers behind `summarizer.text.read`: PDF pages (PDFium) and OCR, Markdown markup,
HTML main content, Office files, and the simplified view of traditional-character text.

Each turns bytes or decoded text into plain text plus what it learnt about it (masks over
format syntax, warnings); `summarizer.text.read` assembles them into one `SourceText`. Nothing
here imports a later stage.
"""
