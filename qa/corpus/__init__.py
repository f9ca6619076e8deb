"""Source documents in: loading, chunking, the question bank and the corpus checks."""
