"""xuncha: the application (app factory, settings, database, GraphQL schema, worker, CLI)."""
