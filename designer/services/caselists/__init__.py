"""Case lists: list views over a service's case data, defined by its owner (settings "lists")."""
