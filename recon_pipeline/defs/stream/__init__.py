"""The stream half: the landing sensor and the stream asset."""
