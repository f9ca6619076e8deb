"""The index: embedder, Chroma store, lexical cache, ingest and the query adapter."""
