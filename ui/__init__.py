"""The web front end: chat page, embeddable widget and JSON API over the `qa` engine."""
