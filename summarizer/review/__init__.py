"""Reading outputs back: validate (bounded JSON loading against the schema), check (an output
against its source), evaluate (outputs against gold annotations)."""
