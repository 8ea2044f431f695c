"""Scheduled digests: what to send (compose), sending it paced (fan-out, pacing)."""
