"""Operator endpoints: what the service's processes are doing and have done."""
