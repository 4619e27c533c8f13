"""Observability for any ASGI/FastAPI app: metrics, middleware, logging, the log analyzer.

This package never imports ``service``: it must serve any application.
"""
