"""Clients: the people the servicer lends to, known by their cédula."""
