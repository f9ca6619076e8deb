"""Triage: emergencies, personal decisions and off-topic messages, decided before anything else."""
