"""The web front end: chat page, embeddable widget and JSON API over the `qa` engine."""

from qa.offline import enforce_offline

# The web app is an entry point: the switches are set before Gradio, FastAPI or the engine's
# libraries are imported (Gradio reads its analytics switch from the environment).
enforce_offline()
