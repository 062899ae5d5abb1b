"""The web application (`ur serve`): the pre-submission check page and the HTTP API.

Imported only by `ur serve` and the server tests, so `import engine` and every other command
start without loading the web framework."""
