"""HTTP routes: thin handlers over the services."""
