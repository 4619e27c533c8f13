"""Payments: recorded, reconciled and applied to installments oldest due first, reversed."""
