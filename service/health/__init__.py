"""Liveness and readiness: ``/health/live``, ``/health/ready`` and Render's probe path."""
