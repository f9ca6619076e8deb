"""Text measures the engine and the evals share (claims, support of a claim by its sources)."""
