"""What people do with goodnews, one module per concern, for the CLI, the chat handlers
and the jobs alike."""
