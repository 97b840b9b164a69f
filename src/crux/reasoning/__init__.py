"""Exact reasoning on the noisy-OR network compiled from the knowledge base."""
