"""The tenancy engine: registry and hierarchy, schema naming, provisioning, migrations
across all tenant schemas, request scoping. Imports nothing from `backend` or `problem_bank`."""
