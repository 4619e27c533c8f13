"""Loans: the schedule of installments, the approval workflow, what is owed."""
