"""What a message asks: triage, follow-ups, query repair, parts and section matching."""
