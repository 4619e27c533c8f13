"""Notifications to clients and their summary."""
