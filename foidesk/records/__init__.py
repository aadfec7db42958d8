"""Crime records: canonical schema, reference codes, ingest, synthetic London and the store."""
