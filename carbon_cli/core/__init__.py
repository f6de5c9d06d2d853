"""Foundations every stage stands on: package resources, messages in two languages, typed
errors, atomic file writes, data-set loading, JSON text and garbage-collector tuning."""
