"""The reply: extractive composer, LLM generation and verification, templates and rendering."""
