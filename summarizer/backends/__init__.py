"""Model backends: offline (rules) and openai (any OpenAI-compatible endpoint).

The tests add a `fake` one of their own (tests/fake_backend.py); users never see it.
"""
