"""One dialogue turn through the ports: tracker, policy, backend, responder, memory."""
