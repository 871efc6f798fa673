"""Plumbing every openrcm app shares: actors, application errors, encrypted fields."""
