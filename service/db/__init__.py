"""Database access: URL handling, engine and session lifecycle, the schema."""
