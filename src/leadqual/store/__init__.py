"""The store: SQLAlchemy models, the database factory and Alembic migrations."""
