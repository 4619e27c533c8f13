"""The log analyzer: raw production logs in, a diagnosis report out."""
