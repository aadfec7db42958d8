"""The web application: the public disclosure log and the officers' workspace."""
