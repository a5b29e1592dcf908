"""Hand-built sources directories with the findings the spec expects of them."""
