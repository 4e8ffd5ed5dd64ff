"""Real-data regression suite (see test_corpus.py)."""
