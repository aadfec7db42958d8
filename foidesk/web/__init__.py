"""The public disclosure log and the officers' workspace, served by one FastAPI app."""
