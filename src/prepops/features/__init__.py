"""Features: the evidence store (stories, metrics, failure modes), its versions and retrieval."""
