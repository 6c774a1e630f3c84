"""Model backends: offline (rules), openai (any OpenAI-compatible endpoint), fake (tests)."""
