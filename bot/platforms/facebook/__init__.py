"""Facebook Pages: config keys (schema), requests and limits (render), publisher, error
mapping (errors), ``check`` probe and the Graph client (client)."""
